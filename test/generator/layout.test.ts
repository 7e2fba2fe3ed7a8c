import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { entityName, entitySchema } from "../../bench/generator/synthetic-project.js";
import { emitProject } from "../../src/emit/emit-project.js";
import { statementGroups } from "../../src/format/format-units.js";
import { layoutUnit } from "../../src/format/layout-print.js";
import { readProjectFromFiles } from "../../src/read-project.js";
import type { SchemaFile } from "../../src/schema/load.js";
import { fixtureCases, validFixtures } from "./fixtures.js";

/**
 * The format stage lays out generated TypeScript without prettier (`src/format/layout-*.ts`) and
 * falls back to prettier for what it does not model. Both must give the same bytes: every statement
 * group of every golden fixture, of the committed projects and of a synthetic project of every
 * strategy, field type and modifier is compared with prettier's full build (`typescript` parser).
 */
const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));
const printWidth = 100;

const format = (text: string) => prettier.format(text, { parser: "typescript", printWidth });

async function schemaFiles(folder: string): Promise<SchemaFile[]> {
  const names = (await readdir(folder)).filter((name) => /\.(ya?ml|json)$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({ path: `schemas/${name}`, text: await readFile(join(folder, name), "utf8") })),
  );
}

/** Each distinct statement group of the TypeScript files a project emits, with the file it is from. */
function groupsOf(name: string, files: SchemaFile[], keyPrefix: string): Map<string, string> {
  const { model, diagnostics } = readProjectFromFiles(files, { keyPrefix, tests: true });
  if (!model) throw new Error(`${name} does not validate: ${JSON.stringify(diagnostics)}`);
  const groups = new Map<string, string>();
  for (const file of emitProject(model)) {
    if (file.language !== "typescript") continue;
    for (const group of statementGroups(file.text)) if (!groups.has(group)) groups.set(group, `${name}: ${file.path}`);
  }
  return groups;
}

describe("laying out generated TypeScript without prettier", () => {
  it("lays out every statement group of the golden fixtures and committed projects exactly as prettier does", async () => {
    const projects: [string, SchemaFile[], string][] = [];
    for (const name of fixtureCases) {
      projects.push([name, await schemaFiles(join(validFixtures, name, "schemas")), "app"]);
    }
    projects.push(["schemas/", await schemaFiles(join(repositoryRoot, "schemas")), "app"]);
    projects.push(["bench/schemas/", await schemaFiles(join(repositoryRoot, "bench", "schemas")), "cgbench"]);
    for (const [name, files, keyPrefix] of projects) {
      for (const [group, origin] of groupsOf(name, files, keyPrefix)) {
        const laidOut = layoutUnit(group, printWidth);
        // Every group the generator emits is laid out here: none reaches prettier in a real run.
        expect(laidOut, `${origin} was not laid out:\n${group}`).toBeDefined();
        expect(laidOut, origin).toBe(await format(group));
      }
    }
  }, 120_000);

  it("lays out a synthetic project of every strategy, key shape, field type and modifier as prettier does", async () => {
    const files = Array.from({ length: 90 }, (_, index) => ({
      path: `schemas/${entityName(index).toLowerCase()}.yaml`,
      text: entitySchema(index),
    }));
    for (const [group, origin] of groupsOf("synthetic", files, "bench")) {
      const laidOut = layoutUnit(group, printWidth);
      expect(laidOut, `${origin} was not laid out:\n${group}`).toBeDefined();
      expect(laidOut, origin).toBe(await format(group));
    }
  }, 120_000);

  it("breaks what does not fit as prettier does: objects, arrays, hugged last arguments, class headers", async () => {
    const long = "x".repeat(60);
    const cases = [
      `const a = { first: "${long}", second: "${long}" };`,
      `const b = [{ one: 1, two: 2 }, { one: 3, two: 4 }];`,
      `const c = [{ one: 1 }, { one: 3 }];`,
      `const d = call("${long}", { first: "${long}", second: 2 });`,
      `const e = call("${long}", "${long}", { first: 1 });`,
      `const f = { nested: { deeper: { deepest: "${long}", other: "${long}" } }, key: (k) => ({ id: k.id }) };`,
      `const g = {\n  kept: "expanded",\n};`,
      `export class ${"Long".repeat(10)}Repository extends Repository<${"Entity".repeat(8)}, Key, Source, Tag> {\n  constructor(options: Options) {\n    super(entity, options);\n  }\n}`,
      `export interface Source {\n  /** A comment. */\n  load(key: Key): Promise<Entity | null>; // trailing\n  field?: { a: string; b?: number | undefined };\n}`,
      `import { ${Array.from({ length: 12 }, (_, index) => `name${index}`).join(", ")} } from "module";`,
    ];
    for (const text of cases) expect(layoutUnit(text, printWidth), text).toBe(await format(text));
  });

  it("leaves to prettier what it does not model or what prettier would rewrite", () => {
    const refused = [
      `const a = 'single quotes';`,
      `const b = "an \\"escaped\\" quote";`,
      `const c = 1e3;`,
      `const d = [1, 2, 3];`,
      `const e = "é";`,
      `const f = a.b().c().d();`,
      `let g = 1;`,
      `const h = "${"x".repeat(120)}";`,
      `const i = {\n  a: 1,\n\n  b: 2,\n};`,
    ];
    for (const text of refused) expect(layoutUnit(text, printWidth), text).toBeUndefined();
  });
});
