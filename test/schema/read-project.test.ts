import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
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

test("reads the *.yaml, *.yml and *.json files of the schemas folder and its subfolders, any case, sorted by path", async () => {
  await write("defs/b-article.yml", article);
  await write("defs/a-author.json", author);
  await write("defs/README.md", "not a schema");
  await write("defs/blog/comment.YAML", article.replace("Article", "Comment"));
  await write("defs/blog/drafts/draft.Yml", article.replace("Article", "Draft"));
  const result = await readProject(await resolveConfig({ cwd: root, schemas: "defs" }));
  expect(result.diagnostics).toEqual([]);
  expect(result.model?.entities.map((entity) => [entity.name, entity.sourceFile])).toEqual([
    ["Article", "defs/b-article.yml"],
    ["Author", "defs/a-author.json"],
    ["Comment", "defs/blog/comment.YAML"],
    ["Draft", "defs/blog/drafts/draft.Yml"],
  ]);
  expect(result.sources).toEqual([
    { file: "defs/a-author.json", sha256: createHash("sha256").update(author).digest("hex") },
    { file: "defs/b-article.yml", sha256: createHash("sha256").update(article).digest("hex") },
    { file: "defs/blog/comment.YAML", sha256: expect.any(String) },
    { file: "defs/blog/drafts/draft.Yml", sha256: expect.any(String) },
  ]);
});

test("skips hidden entries, node_modules and the output folder inside the schemas folder; follows links once", async () => {
  await write("cache/article.yaml", article);
  await write("cache/.#article.yaml", "an editor's lock file");
  await write("cache/.history/article.yaml", article);
  await write("cache/node_modules/pkg/schema.json", "{}");
  await write("cache/generated/cachegen.manifest.json", '{ "files": {} }');
  await symlink(path.join(root, "cache"), path.join(root, "cache", "loop"));
  await write("cachegen.config.json", JSON.stringify({ schemas: "cache", out: "cache/generated" }));
  const result = await readProject(await resolveConfig({ cwd: root }));
  expect(result.diagnostics).toEqual([]);
  expect(result.sources.map((source) => source.file)).toEqual(["cache/article.yaml"]);
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

test("a schemas folder without schema files is a configuration error, so nothing is generated or removed", async () => {
  await write("schemas/README.md", "schemas go here");
  await write("schemas/user.yaml.bak", article);
  const config = await resolveConfig({ cwd: root });
  await expect(readProject(config)).rejects.toThrow(ConfigError);
  await expect(readProject(config)).rejects.toThrow(
    'schemas folder "schemas" (the default) holds no schema files (*.yaml, *.yml, *.json, in subfolders too); nothing was generated or removed.',
  );
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

test('reports every "__proto__" key where it is written, in YAML and JSON, nested and in lists', () => {
  const yaml =
    "entity: Article\nkey: id\nfields:\n  id: uuid\n  __proto__: string\n  tags:\n    type: array\n" +
    "    items: { type: object, fields: { __proto__: int } }\nstrategy: cache-aside\nttl: 10m\n" +
    "invalidates:\n  - { entity: Article, key: { __proto__: id } }\n";
  const json = '{ "entities": [{ "entity": "Author", "__proto__": 1, "key": "id" }] }';
  const result = readProjectFromFiles(
    [
      { path: "schemas/article.yaml", text: yaml },
      { path: "schemas/author.json", text: json },
    ],
    { keyPrefix: "app", tests: false },
  );
  const prototypeErrors = result.diagnostics
    .map(formatDiagnostic)
    .filter((line) => line.includes('"__proto__" cannot name a property or a field; rename it'));
  expect(prototypeErrors.map((line) => line.split(": error")[0])).toEqual([
    "schemas/article.yaml:5:3",
    "schemas/article.yaml:8:38",
    "schemas/article.yaml:12:31",
    "schemas/author.json:1:38",
  ]);
});
