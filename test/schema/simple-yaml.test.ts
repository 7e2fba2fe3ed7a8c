import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { entitySchema } from "../../bench/generator/synthetic-project.js";
import { parseSimpleYaml } from "../../src/schema/simple-yaml.js";

const repository = fileURLToPath(new URL("../../", import.meta.url));

/** Every YAML file of the repository (schemas, bench, templates, test fixtures valid and not). */
function repositoryYaml(): { path: string; text: string }[] {
  return readdirSync(repository, { recursive: true, encoding: "utf8" })
    .filter((path) => /\.ya?ml$/.test(path) && !path.split(/[\\/]/).includes("node_modules"))
    .map((path) => ({ path: relative(repository, join(repository, path)), text: readFileSync(join(repository, path), "utf8") }));
}

/** Holds `parseSimpleYaml` to yaml's reading: the same value, keys in the same order, or no answer. */
function expectSameAsYaml(text: string): boolean {
  const simple = parseSimpleYaml(text);
  if (simple === undefined) return false;
  const document = parseDocument(text, { prettyErrors: false });
  expect(document.errors.map((error) => error.message), text).toEqual([]);
  const value: unknown = document.toJS();
  expect(simple, text).toEqual(value);
  expect(JSON.stringify(simple), text).toBe(JSON.stringify(value));
  return true;
}

const corpus = [...repositoryYaml().map((file) => file.text), ...Array.from({ length: 60 }, (_, index) => entitySchema(index))];

/** Pieces of YAML syntax that random edits insert. */
const snippets = [
  " ", "  ", "\n", "\n  ", "- ", ": ", ":", ",", "[", "]", "{", "}", "#", " # c", '"', "'", "''", "\\", "&a ", "*a",
  "!!str ", "|", ">", "?", "%", "@", "`", "~", "null", "True", "FALSE", "0", "-0", "007", "+1", "1e3", ".5", "0x1F",
  "0o7", "0b1", "1.", "1.5", "+.5", ".inf", "-.inf", ".nan", "1_000", "12345678901234567890", "__proto__", "---", "...", "\t", "\r\n", "é", "a b", "a  b", "x:y", "a, b", "s[]", "{}", "[]", "yes", "on", "Null", "NULL", "~", "true", "-", "-x", "$x", "(x)",
  "key: value\n", "x:\n- 1\n", "  - { a: 1 }\n", "- a: 1\n  b: 2\n",
];

describe("parseSimpleYaml", () => {
  it("reads every YAML file of the repository that it reads as yaml does, and all the valid schemas", () => {
    const read = repositoryYaml().filter((file) => expectSameAsYaml(file.text)).map((file) => file.path);
    for (const folder of ["schemas/", "bench/schemas/", "test/fixtures/valid/"]) {
      const all = repositoryYaml().filter((file) => file.path.split("\\").join("/").startsWith(folder));
      expect(all.length).toBeGreaterThan(0);
      expect(all.filter((file) => !read.includes(file.path)).map((file) => file.path)).toEqual([]);
    }
  });

  it("reads the synthetic schemas of the generator benchmark as yaml does", () => {
    for (let index = 0; index < 200; index += 1) expect(expectSameAsYaml(entitySchema(index))).toBe(true);
  });

  it("gives yaml's value or no answer for random edits of schema files", () => {
    const edit = fc.record({
      source: fc.integer({ min: 0, max: corpus.length - 1 }),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      remove: fc.integer({ min: 0, max: 6 }),
      insert: fc.array(fc.constantFrom(...snippets), { maxLength: 3 }),
      asValue: fc.boolean(),
    });
    let read = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = corpus[edits[0]?.source ?? 0] as string;
        for (const { at, remove, insert, asValue } of edits) {
          if (asValue) {
            // Replace a value (after `key: `, in a block or a flow collection) with the snippets.
            const values = [...text.matchAll(/: ([^,\]}\n]*)/g)];
            const value = values[Math.floor(at * values.length)];
            if (value?.index === undefined) continue;
            const start = value.index + 2;
            text = text.slice(0, start) + insert.join("") + text.slice(start + (value[1] ?? "").length);
          } else {
            const position = Math.floor(at * text.length);
            text = text.slice(0, position) + insert.join("") + text.slice(position + remove);
          }
        }
        if (expectSameAsYaml(text)) read += 1;
      }),
      { numRuns: 20_000 },
    );
    // Most edits keep a file readable here; the comparison above must have had work to do.
    expect(read).toBeGreaterThan(2_000);
  });
});
