import { closeSync, constants, mkdirSync, openSync, unlinkSync, writeFileSync } from "node:fs";
import { compareCodeUnits } from "../compare-code-units.js";
import { manifestFileName } from "../manifest.js";
import { compareWithOutput, outputPath, type OutputOptions } from "./output-folder.js";

/** What a write did, or with `dryRun` would do. Paths are relative to the output folder, sorted. */
export interface WriteReport {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Brings the output folder in line with `files`: writes only files whose content changed (so
 * unchanged files keep their mtime), and removes cachegen's files that are no longer generated.
 * Files cachegen did not write are never touched (see `compareWithOutput`, which refuses a folder
 * where a generated file would replace one), and no write follows a symbolic link.
 */
export async function writeOutput(
  outDir: string,
  files: ReadonlyMap<string, string>,
  options: OutputOptions & { readonly dryRun?: boolean } = {},
): Promise<WriteReport> {
  const comparison = await compareWithOutput(outDir, files, options);
  const report: WriteReport = {
    written: [...comparison.differ, ...comparison.missing].sort(compareCodeUnits),
    unchanged: comparison.unchanged,
    removed: comparison.stale,
  };
  if (options.dryRun || (report.written.length === 0 && report.removed.length === 0)) return report;

  mkdirSync(outDir, { recursive: true });
  const written = new Set(report.written);
  // Synchronous writes, like the reads in `compareWithOutput`: fastest for many small files.
  for (const [path, content] of files) {
    if (path !== manifestFileName && written.has(path)) writeText(outputPath(outDir, path), content);
  }
  for (const path of report.removed) unlinkSync(outputPath(outDir, path));
  // The manifest goes last: until it is written, the old one still lists what an interrupted run left.
  const manifest = files.get(manifestFileName);
  if (manifest !== undefined && written.has(manifestFileName)) {
    writeText(outputPath(outDir, manifestFileName), manifest);
  }
  return report;
}

/** Writes a file, refusing (ELOOP) to write through a symbolic link put there since the comparison. */
function writeText(path: string, content: string): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0),
    0o666,
  );
  try {
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
