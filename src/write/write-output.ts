import { mkdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { compareCodeUnits } from "../compare-code-units.js";
import { manifestFileName } from "../manifest.js";
import { compareWithOutput, outputPath } from "./output-folder.js";

/** What a write did, or with `dryRun` would do. Paths are relative to the output folder, sorted. */
export interface WriteReport {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Brings the output folder in line with `files`: writes only files whose content changed (so
 * unchanged files keep their mtime), and removes files the old manifest lists that are no longer
 * generated. Nothing else in the folder is touched.
 */
export async function writeOutput(
  outDir: string,
  files: ReadonlyMap<string, string>,
  options: { readonly dryRun?: boolean } = {},
): Promise<WriteReport> {
  const comparison = await compareWithOutput(outDir, files);
  const report: WriteReport = {
    written: [...comparison.differ, ...comparison.missing].sort(compareCodeUnits),
    unchanged: comparison.unchanged,
    removed: comparison.stale,
  };
  if (options.dryRun) return report;

  const written = new Set(report.written);
  // Synchronous writes, like the reads in `compareWithOutput`: fastest for many small files.
  for (const [path, content] of files) {
    if (path !== manifestFileName && written.has(path)) writeText(outputPath(outDir, path), content);
  }
  for (const path of report.removed) await rm(outputPath(outDir, path));
  // The manifest goes last: until it is written, the old one still lists what an interrupted run left.
  const manifest = files.get(manifestFileName);
  if (manifest !== undefined && written.has(manifestFileName)) {
    writeText(outputPath(outDir, manifestFileName), manifest);
  }
  return report;
}

function writeText(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
