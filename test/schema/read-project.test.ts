import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config.js";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { readProject, readProjectFromFiles } from "../../src/read-project.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "cachegen-project-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const article = "entity: Article\nkey: id\nfields: { id: uuid, title: string }\nstrategy: cache-aside\nttl: 10m\n";
const author =
  '{ "entity": "Author", "key": "id", "fields": { "id": "int" }, "strategy": "read-through", "ttl": "1h" }';

async function write(relativePath: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, relativePath)), { recursive: true });
  await writeFile(path.join(root, relativePath), text);
}

test("reads the *.yaml, *.yml and *.json files directly in the schemas folder, sorted", async () => {
  await write("defs/b-article.yml", article);
  await write("defs/a-author.json", author);
  await write("defs/README.md", "not a schema");
  await write("defs/drafts/draft.yaml", "not: read");
  const result = await readProject(await resolveConfig({ cwd: root, schemas: "defs" }));
  expect(result.diagnostics).toEqual([]);
  expect(result.model?.entities.map((entity) => [entity.name, entity.sourceFile])).toEqual([
    ["Article", "defs/b-article.yml"],
    ["Author", "defs/a-author.json"],
  ]);
  expect(result.sources).toEqual([
    { file: "defs/a-author.json", sha256: createHash("sha256").update(author).digest("hex") },
    { file: "defs/b-article.yml", sha256: createHash("sha256").update(article).digest("hex") },
  ]);
});

test("reports schema errors with project-relative paths and no model", async () => {
  await write("schemas/article.yaml", article.replace("ttl: 10m", "ttl: 10 minutes"));
  const result = await readProject(await resolveConfig({ cwd: root }));
  expect(result.model).toBeUndefined();
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([
    'schemas/article.yaml:5:6: error: ttl "10 minutes" is not a duration (examples: 500ms, 30s, 5m, 1h, 1d)',
  ]);
});

test("a missing schemas folder is a configuration error", async () => {
  const config = await resolveConfig({ cwd: root });
  await expect(readProject(config)).rejects.toThrow(ConfigError);
  await expect(readProject(config)).rejects.toThrow(
    'schemas folder "schemas" (the default) does not exist; create it (`cachegen init` writes an example) or point "schemas" or --schemas at your schema files',
  );
});

test("an empty schemas folder is a valid project without entities", async () => {
  await mkdir(path.join(root, "schemas"));
  const result = await readProject(await resolveConfig({ cwd: root }));
  expect(result).toEqual({ model: { entities: [], keyPrefix: "app", tests: true }, diagnostics: [], sources: [] });
});

test("the result does not depend on the order files are given in", () => {
  const files = [
    { path: "schemas/article.yaml", text: article.replace("ttl: 10m", "ttl: soon") },
    { path: "schemas/author.json", text: author.replace('"int"', '"integer"') },
  ];
  const options = { keyPrefix: "app", tests: true };
  expect(readProjectFromFiles([...files].reverse(), options)).toEqual(readProjectFromFiles(files, options));
  expect(readProjectFromFiles(files, options).diagnostics.map((diagnostic) => diagnostic.file)).toEqual([
    "schemas/article.yaml",
    "schemas/author.json",
  ]);
});
