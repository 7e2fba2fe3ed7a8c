import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { openFormatCache, packName } from "../../src/format/format-cache.js";
import { readProject } from "../../src/read-project.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "cachegen-cached-load-"));
  await mkdir(path.join(root, "node_modules"));
  await mkdir(path.join(root, "schemas"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const article = "entity: Article\nkey: id\nfields: { id: uuid, title: string }\nstrategy: cache-aside\nttl: 10m\n";
const broken =
  "entity: Broken\nkey: id\nfields:\n  id: uuid\n  size: { type: int, nullable: yes }\nstrategy: read-through\nttl: 10 minutes\n";

async function run() {
  const cache = openFormatCache(root, new Map());
  const result = await readProject(await resolveConfig({ cwd: root }), { cache });
  await cache.flush();
  return result;
}

async function packEntries(): Promise<number> {
  const pack = JSON.parse(await readFile(path.join(root, "node_modules", ".cache", "cachegen", packName), "utf8"));
  return Object.keys(pack.entries).length;
}

test("a schema file parsed before gives the same model, sources and located diagnostics", async () => {
  await writeFile(path.join(root, "schemas", "article.yaml"), article);
  const fresh = await run();
  expect(await packEntries()).toBe(1);
  expect(await run()).toEqual(fresh);

  await writeFile(path.join(root, "schemas", "broken.yaml"), broken);
  const withErrors = await run();
  expect(withErrors.diagnostics.map(formatDiagnostic)).toEqual([
    'schemas/broken.yaml:5:32: error: fields.size.nullable must be true or false, not "yes"',
    'schemas/broken.yaml:7:6: error: ttl "10 minutes" is not a duration (examples: 500ms, 30s, 5m, 1h, 1d)',
  ]);
  expect(await packEntries()).toBe(2);
  // Served from the pack: the positions come from parsing the file again when a problem is located.
  expect((await run()).diagnostics).toEqual(withErrors.diagnostics);
});

test("caches only values JSON gives back unchanged, and never a file with syntax errors", async () => {
  await writeFile(path.join(root, "schemas", "infinite.yaml"), article.replace("ttl: 10m", "ttl: .inf"));
  await writeFile(path.join(root, "schemas", "unclosed.yaml"), "entity: [Unclosed\n");
  await writeFile(path.join(root, "schemas", "article.yaml"), article);
  const first = await run();
  expect(await packEntries()).toBe(1);
  expect((await run()).diagnostics).toEqual(first.diagnostics);
});
