import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { renderJsonSchemas } from "../../src/schema/json-schemas.js";

const schemaDir = path.join(import.meta.dirname, "../../schema");

test.each(Object.entries(renderJsonSchemas()))(
  "the committed schema/%s is what the zod schemas produce",
  (name, fresh) => {
    // `UPDATE_GOLDEN=1 npx vitest run test/schema` rewrites them after a change to the zod schemas.
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(path.join(schemaDir, name), fresh);
    expect(readFileSync(path.join(schemaDir, name), "utf8")).toBe(fresh);
  },
);

test("the entity schema offers the schema language to editors", () => {
  const schema = JSON.parse(renderJsonSchemas()["entity.schema.json"]);
  const entity = schema.$defs.entity;
  expect(entity.required).toEqual(["entity", "key", "fields", "strategy", "ttl"]);
  expect(entity.additionalProperties).toBe(false);
  expect(entity.properties.strategy.enum).toEqual(["cache-aside", "read-through", "write-through", "write-behind"]);
  expect(entity.properties.jitter.default).toBe("10%");
  expect(schema.$defs.field.anyOf[0].enum).toContain("string[]");
});
