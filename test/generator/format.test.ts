import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { afterEach, describe, expect, it } from "vitest";
import { entityName, entitySchema } from "../../bench/generator/synthetic-project.js";
import { emitProject, type EmittedFile } from "../../src/emit/emit-project.js";
import { openFormatCache, packName, type FormatCache } from "../../src/format/format-cache.js";
import { formatKey, formatText } from "../../src/format/format-file.js";
import { formatFiles } from "../../src/format/format-files.js";
import { FormatPool } from "../../src/format/format-pool.js";
import { batchUnits, planUnits, splitBatch, statementGroups } from "../../src/format/format-units.js";
import type { SchemaFile } from "../../src/schema/load.js";
import { readProjectFromFiles } from "../../src/read-project.js";
import { fixtureCases, validFixtures } from "./fixtures.js";

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));
const temporaryFolders: string[] = [];

async function projectRoot(withNodeModules: boolean): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "cachegen-format-"));
  temporaryFolders.push(root);
  if (withNodeModules) await mkdir(join(root, "node_modules"));
  return root;
}

afterEach(async () => {
  await Promise.all(temporaryFolders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

/** Unformatted text no other test formats, so the process-wide memory layer has not seen it. */
const unformatted = () => `export const value = {a:1,   b:"${Math.random()}"}`;

const cacheFolder = (root: string) => join(root, "node_modules", ".cache", "cachegen");

async function readPack(root: string): Promise<{ cachegenCache: number; entries: Record<string, string> }> {
  return JSON.parse(await readFile(join(cacheFolder(root), packName), "utf8"));
}

/** One file through the production path (`formatFiles`), then the cache written as a run writes it. */
async function formatOne(text: string, cache: FormatCache): Promise<string> {
  const { contents } = await formatFiles([{ path: "one.ts", language: "typescript", text }], cache, new FormatPool());
  await cache.flush();
  return contents[0] as string;
}

describe("formatting one file through the cache", () => {
  it("formats with fixed prettier options", async () => {
    expect(await formatOne(`const x = {a:1}`, openFormatCache())).toBe("const x = { a: 1 };\n");
  });

  it("keeps results in node_modules/.cache/cachegen and serves them from there", async () => {
    const root = await projectRoot(true);
    const text = unformatted();
    await formatOne(text, openFormatCache(root));
    const pack = await readPack(root);
    const [entry] = Object.keys(pack.entries);
    expect(entry).toMatch(/^[0-9a-f]{64}$/);
    expect(entry).toBe(formatKey(text, "typescript"));

    // A cache entry is trusted, so a planted one proves that a later process does not call prettier.
    await writeFile(
      join(cacheFolder(root), packName),
      JSON.stringify({ ...pack, entries: { [entry ?? ""]: "from the cache\n" } }),
    );
    const laterProcess = openFormatCache(root, new Map());
    expect(await formatOne(text, laterProcess)).toBe("from the cache\n");
  });

  it("keeps the cache in memory when the project has no node_modules", async () => {
    const root = await projectRoot(false);
    expect(await formatOne(unformatted(), openFormatCache(root))).toMatch(/^export const value/);
    expect(await readdir(root)).toEqual([]);
  });

  it("falls back to memory when the cache folder cannot be created", async () => {
    const root = await projectRoot(true);
    await writeFile(join(root, "node_modules", ".cache"), "a file where the folder would go");
    expect(await formatOne(unformatted(), openFormatCache(root))).toMatch(/^export const value/);
  });

  it("ignores a pack it cannot read", async () => {
    const root = await projectRoot(true);
    await mkdir(cacheFolder(root), { recursive: true });
    await writeFile(join(cacheFolder(root), packName), "{ not json");
    expect(await formatOne(`const y = {b:2}`, openFormatCache(root, new Map()))).toBe("const y = { b: 2 };\n");
    expect(Object.keys((await readPack(root)).entries)).toEqual([formatKey(`const y = {b:2}`, "typescript")]);
  });
});

describe("format cache pack", () => {
  it("is written only when something was added, keeps what the run used, and spares older entries", async () => {
    const root = await projectRoot(true);
    const first = openFormatCache(root, new Map());
    first.set("a", "A");
    first.set("b", "B");
    await first.flush();

    const second = openFormatCache(root, new Map());
    expect(await second.get("b")).toBe("B");
    await second.flush();
    expect(Object.keys((await readPack(root)).entries)).toEqual(["a", "b"]);

    second.set("c", "C");
    await second.flush();
    // Used by this run first, then the spares.
    expect(Object.keys((await readPack(root)).entries)).toEqual(["b", "c", "a"]);
  });
});

/** The schema files of a project folder under this repository, as `generate` reads them. */
async function schemaFiles(folder: string): Promise<SchemaFile[]> {
  const names = (await readdir(folder)).filter((name) => /\.(ya?ml|json)$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({ path: `schemas/${name}`, text: await readFile(join(folder, name), "utf8") })),
  );
}

/** Every file each project emits, unformatted: the golden fixtures, the committed projects, a synthetic one. */
async function emittedProjects(): Promise<{ name: string; files: EmittedFile[] }[]> {
  const projects: { name: string; files: SchemaFile[]; keyPrefix: string; tests: boolean }[] = [];
  for (const name of fixtureCases) {
    projects.push({
      name,
      files: await schemaFiles(join(validFixtures, name, "schemas")),
      keyPrefix: "app",
      tests: true,
    });
  }
  projects.push({
    name: "schemas/",
    files: await schemaFiles(join(repositoryRoot, "schemas")),
    keyPrefix: "app",
    tests: true,
  });
  projects.push({
    name: "bench/schemas/",
    files: await schemaFiles(join(repositoryRoot, "bench", "schemas")),
    keyPrefix: "cgbench",
    tests: true,
  });
  // Every strategy, key shape, field type and modifier, indexes, tags, invalidations, in many combinations.
  const synthetic = Array.from({ length: 48 }, (_, index) => ({
    path: `schemas/${entityName(index).toLowerCase()}.yaml`,
    text: entitySchema(index),
  }));
  projects.push({ name: "synthetic", files: synthetic, keyPrefix: "bench", tests: true });
  return projects.map(({ name, files, keyPrefix, tests }) => {
    const { model, diagnostics } = readProjectFromFiles(files, { keyPrefix, tests });
    if (!model) throw new Error(`${name} does not validate: ${JSON.stringify(diagnostics)}`);
    return { name, files: emitProject(model) };
  });
}

describe("formatting", () => {
  it("gives byte for byte what prettier's full build and `typescript` parser give each whole file", async () => {
    // The format stage cuts TypeScript files into statement groups, formats each distinct group
    // once, in batches, with the babel-ts parser and the standalone build: none of it may show.
    for (const { name, files } of await emittedProjects()) {
      const { contents } = await formatFiles(files, openFormatCache(undefined, new Map()), new FormatPool());
      for (const [index, file] of files.entries()) {
        // The README's table is laid out by the emitter, and the README not given to prettier.
        if (file.language === "markdown") expect(file.preformatted, `${name}: ${file.path}`).toBe(true);
        const parser = file.language === "typescript" ? "typescript" : "markdown";
        const expected = await prettier.format(file.text, { parser, printWidth: 100 });
        expect(contents[index], `${name}: ${file.path}`).toBe(expected);
      }
    }
  }, 120_000);

  it("formats a statement group that many test files share once", async () => {
    const { files } = (await emittedProjects()).find((project) => project.name === "synthetic") ?? { files: [] };
    const tests = files.filter((file) => file.path.endsWith(".test.ts"));
    const plan = planUnits(tests.map((file) => file.text));
    const groups = tests.reduce((total, file) => total + statementGroups(file.text).length, 0);
    // Each test file opens with the same header and suite import (the cases live in cachegen/testing):
    // formatted once for all of them, not once per file.
    expect(plan.units.length).toBeLessThanOrEqual(groups - (tests.length - 1));
  });

  it("reports which file prettier refused", async () => {
    const tasks = [
      { text: "const ok = 1", language: "typescript" as const },
      { text: "const = broken", language: "typescript" as const },
    ];
    await expect(new FormatPool().format(tasks, 0)).rejects.toMatchObject({ name: "FormatTaskError", index: 1 });
  });

  it("names the generated file prettier refused, even when its units were batched with others", async () => {
    const files: EmittedFile[] = [
      { path: "fine.ts", language: "typescript", text: "export const fine = 1;\n\nexport const alsoFine = 2;\n" },
      { path: "broken.ts", language: "typescript", text: "export const fine = 1;\n\nexport const = 2;\n" },
    ];
    await expect(formatFiles(files, openFormatCache(undefined, new Map()), new FormatPool())).rejects.toThrow(
      "the generated broken.ts is not valid typescript",
    );
  });
});

describe("format units", () => {
  it("cuts at blank lines before a top-level statement or comment, after a complete one", () => {
    const text = [
      "// header",
      'import { a } from "a";',
      "",
      "/** doc */",
      "export const b = {",
      "",
      "  c: 1,",
      "};",
      "",
      "",
      "function d() {",
      "  return a;",
      "}",
      "",
      "export const e = d()", // no semicolon: the cut is not made after it
      "",
      "f();",
      "",
      "const g = `x",
      "",
      "y`;",
      "",
    ].join("\n");
    expect(statementGroups(text)).toEqual([
      `// header\nimport { a } from "a";`,
      "/** doc */\nexport const b = {\n\n  c: 1,\n};",
      "function d() {\n  return a;\n}",
      "export const e = d()\n\nf();",
      "const g = `x\n\ny`;",
    ]);
  });

  it("makes groups seen once in a run one unit per run of them, and repeated groups units of their own", () => {
    const plan = planUnits(["a();\n\nshared();\n\nb();\n\nc();\n", "shared();\n\nd();\n"]);
    expect(plan.units).toEqual(["a();", "shared();", "b();\n\nc();", "d();"]);
    expect(plan.files).toEqual([
      [0, 1, 2],
      [1, 3],
    ]);
  });

  it("splits a formatted batch back into its units, or tells that it cannot", async () => {
    const units = ["const a = {x:1}", "// a comment\nconst b = [1,\n2]", "const c = `${'// cachegen: next unit'}`"];
    const batches = batchUnits(units, 1_000_000);
    expect(batches).toHaveLength(1);
    const formatted = await formatText(batches[0]?.text ?? "", "typescript");
    const alone = await Promise.all(units.map((unit) => formatText(unit, "typescript")));
    expect(splitBatch(formatted, units.length)).toEqual(alone);
    // A unit whose formatted text holds the separator line cannot be told apart from it.
    const tricky = ["const a = 1;", "const b = `\n// cachegen: next unit\n`;"];
    const formattedTricky = await formatText(batchUnits(tricky, 1_000_000)[0]?.text ?? "", "typescript");
    expect(splitBatch(formattedTricky, tricky.length)).toBeUndefined();
    expect(batchUnits(["a;", "b;", "c;"], 4).map((batch) => batch.units)).toEqual([[0, 1], [2]]);
  });

  it("formats units alone when a batch does not split, with the same result", async () => {
    const files: EmittedFile[] = [
      { path: "a.ts", language: "typescript", text: "const a = 1;\n\nconst b = `\n// cachegen: next unit\n`;\n" },
    ];
    const { contents } = await formatFiles(files, openFormatCache(undefined, new Map()), new FormatPool());
    expect(contents).toEqual([await prettier.format(files[0]?.text ?? "", { parser: "typescript", printWidth: 100 })]);
  });
});
