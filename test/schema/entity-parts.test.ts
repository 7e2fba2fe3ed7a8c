import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { entitySchema } from "../../src/schema/document-schema.js";
import { entityParts, entityPartsOfValid } from "../../src/schema/entity-parts.js";
import { loadDocument } from "../../src/schema/load.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Every valid schema file in the repository: the golden fixtures and the example shop's. */
function validSchemaFiles(): { path: string; text: string }[] {
  const fixtures = join(root, "test", "fixtures", "valid");
  const folders = [join(root, "schemas"), ...readdirSync(fixtures).map((name) => join(fixtures, name, "schemas"))];
  return folders.flatMap((folder) =>
    readdirSync(folder).map((name) => ({ path: name, text: readFileSync(join(folder, name), "utf8") })),
  );
}

test("the parts of a valid entity read off its parsed form equal the parts parsed one by one", () => {
  const files = validSchemaFiles();
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    const value = loadDocument(file).document?.value as Record<string, unknown>;
    const entities = Array.isArray(value.entities) ? (value.entities as Record<string, unknown>[]) : [value];
    for (const raw of entities) {
      const parsed = entitySchema.parse(raw);
      expect(entityPartsOfValid(raw, parsed), file.path).toEqual(entityParts(raw));
    }
  }
});
