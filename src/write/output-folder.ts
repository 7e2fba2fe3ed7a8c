import { readFileSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { compareCodeUnits } from "../compare-code-units.js";
import { manifestFileName, parseManifestFiles } from "../manifest.js";

/** How the generated files compare with the output folder. Paths are relative to it, sorted. */
export interface OutputComparison {
  readonly unchanged: readonly string[];
  /** On disk with other content. */
  readonly differ: readonly string[];
  /** Not on disk. */
  readonly missing: readonly string[];
  /** Listed in the manifest on disk, no longer generated, still present. */
  readonly stale: readonly string[];
}

export function outputPath(outDir: string, relativePath: string): string {
  return join(outDir, ...relativePath.split("/"));
}

export async function compareWithOutput(
  outDir: string,
  files: ReadonlyMap<string, string>,
): Promise<OutputComparison> {
  const unchanged: string[] = [];
  const differ: string[] = [];
  const missing: string[] = [];
  // Read one after the other, synchronously: for a thousand small files that is several times
  // faster than as many promise-based reads (each an open, a stat, a read and a close in the thread
  // pool), and a run has nothing else to do meanwhile.
  for (const [path, content] of files) {
    const current = readIfExists(outputPath(outDir, path));
    if (current === undefined) missing.push(path);
    else if (current === content) unchanged.push(path);
    else differ.push(path);
  }
  const stale: string[] = [];
  for (const path of await previouslyGenerated(outDir)) {
    if (!files.has(path) && (await isFile(outputPath(outDir, path)))) stale.push(path);
  }
  return { unchanged: sorted(unchanged), differ: sorted(differ), missing: sorted(missing), stale: sorted(stale) };
}

/** The files the manifest on disk lists: the only files cachegen may ever remove. */
async function previouslyGenerated(outDir: string): Promise<string[]> {
  const manifest = readIfExists(outputPath(outDir, manifestFileName));
  return (manifest === undefined ? undefined : parseManifestFiles(manifest)) ?? [];
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function sorted(paths: string[]): string[] {
  return paths.sort(compareCodeUnits);
}
