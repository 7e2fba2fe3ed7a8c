import fc from "fast-check";
import { expect, it } from "vitest";
import { configFileSchema } from "../../src/config-schema.js";
import { plainConfig } from "../../src/config-values.js";

/** Values a configuration file may hold, valid and not, for each property and a few others. */
const propertyValue = fc.oneof(
  fc.constantFrom("", "schemas", "my app", "app:v1", "a{b}", "*", "x\\y", "generated", "-"),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 1 }),
);
const configValue = fc.oneof(
  fc.dictionary(
    fc.constantFrom("$schema", "schemas", "out", "keyPrefix", "tests", "allowOtherFilesInOut", "other", "__proto__"),
    propertyValue,
    { maxKeys: 6 },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

it("reads a configuration without zod exactly when the zod schema accepts it, to the same values", () => {
  fc.assert(
    fc.property(configValue, (text) => {
      // As a configuration reaches them: parsed from JSON text.
      const value: unknown = JSON.parse(JSON.stringify(text));
      const parsed = configFileSchema.safeParse(value);
      const plain = plainConfig(value);
      expect(plain).toEqual(parsed.success ? parsed.data : undefined);
    }),
    { numRuns: 2_000 },
  );
});

it("fills in the defaults the zod schema has", () => {
  expect(plainConfig({})).toEqual(configFileSchema.parse({}));
  expect(plainConfig({ keyPrefix: "shop", tests: false })).toEqual(configFileSchema.parse({ keyPrefix: "shop", tests: false }));
});
