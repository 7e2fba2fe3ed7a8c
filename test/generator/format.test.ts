import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterEach, describe, expect, it } from "vitest";
import { emitProject } from "../../src/emit/emit-project.js";
import { openFormatCache, packName } from "../../src/format/format-cache.js";
import { formatFile, formatKey } from "../../src/format/format-file.js";
import { formatAll } from "../../src/format/format-pool.js";
import { fixtureCases, generateFixture } from "./fixtures.js";

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

describe("formatFile", () => {
  it("formats with fixed prettier options", async () => {
    expect(await formatFile(`const x = {a:1}`, "typescript", openFormatCache())).toBe("const x = { a: 1 };\n");
  });

  it("keeps results in node_modules/.cache/cachegen and serves them from there", async () => {
    const root = await projectRoot(true);
    const text = unformatted();
    await formatFile(text, "typescript", openFormatCache(root));
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
    expect(await formatFile(text, "typescript", laterProcess)).toBe("from the cache\n");
  });

  it("keeps the cache in memory when the project has no node_modules", async () => {
    const root = await projectRoot(false);
    expect(await formatFile(unformatted(), "typescript", openFormatCache(root))).toMatch(/^export const value/);
    expect(await readdir(root)).toEqual([]);
  });

  it("falls back to memory when the cache folder cannot be created", async () => {
    const root = await projectRoot(true);
    await writeFile(join(root, "node_modules", ".cache"), "a file where the folder would go");
    expect(await formatFile(unformatted(), "typescript", openFormatCache(root))).toMatch(/^export const value/);
  });

  it("ignores a pack it cannot read", async () => {
    const root = await projectRoot(true);
    await mkdir(cacheFolder(root), { recursive: true });
    await writeFile(join(cacheFolder(root), packName), "{ not json");
    expect(await formatFile(`const y = {b:2}`, "typescript", openFormatCache(root, new Map()))).toBe(
      "const y = { b: 2 };\n",
    );
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

describe("formatting", () => {
  it("gives byte for byte what prettier's `typescript` parser gives, for every golden file", async () => {
    for (const name of fixtureCases) {
      const { model } = await generateFixture(name);
      if (!model) throw new Error(`${name} does not validate`);
      for (const file of emitProject(model)) {
        const parser = file.language === "typescript" ? "typescript" : "markdown";
        const expected = await prettier.format(file.text, { parser, printWidth: 100 });
        expect(await formatFile(file.text, file.language, openFormatCache(undefined, new Map())), file.path).toBe(
          expected,
        );
      }
    }
  });

  it("reports which file prettier refused", async () => {
    const tasks = [
      { text: "const ok = 1", language: "typescript" as const },
      { text: "const = broken", language: "typescript" as const },
    ];
    await expect(formatAll(tasks, 0)).rejects.toMatchObject({ name: "FormatTaskError", index: 1 });
  });
});
