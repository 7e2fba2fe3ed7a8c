import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openFormatCache } from "../../src/format/format-cache.js";
import { formatFile } from "../../src/format/format-file.js";

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

describe("formatFile", () => {
  it("formats with fixed prettier options", async () => {
    expect(await formatFile(`const x = {a:1}`, "typescript", openFormatCache())).toBe("const x = { a: 1 };\n");
  });

  it("keeps results in node_modules/.cache/cachegen and serves them from there", async () => {
    const root = await projectRoot(true);
    const text = unformatted();
    await formatFile(text, "typescript", openFormatCache(root));
    const cacheFolder = join(root, "node_modules", ".cache", "cachegen", "format");
    const [entry] = await readdir(cacheFolder);
    expect(entry).toMatch(/^[0-9a-f]{64}$/);

    // A cache entry is trusted, so a planted one proves that a later process does not call prettier.
    await writeFile(join(cacheFolder, entry ?? ""), "from the cache\n");
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
});
