import {
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { compareCodeUnits } from "../compare-code-units.js";
import { manifestFileName } from "../manifest.js";
import { compareWithOutput, outputPath, type OutputOptions } from "./output-folder.js";
import { OutputWriteError } from "./output-write-error.js";

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
 * where a generated file would replace one), and no write follows a symbolic link. Each file is
 * written whole to a temporary file beside it, then renamed over it, so a run killed or failing
 * midway leaves every file old or new, never cut short.
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

  /** What this run already wrote or removed, for the message when a later step fails. */
  const done: string[] = [];
  const step = (path: string, act: () => void): void => {
    try {
      act();
    } catch (error) {
      throw failedStep(outDir, path, error, done);
    }
    done.push(path);
  };
  try {
    mkdirSync(outDir, { recursive: true });
    removeTemporaryFilesOfKilledRuns(outDir);
  } catch (error) {
    throw failedStep(outDir, ".", error, done);
  }
  const written = new Set(report.written);
  // Synchronous writes, like the reads in `compareWithOutput`: fastest for many small files.
  for (const [path, content] of files) {
    if (path !== manifestFileName && written.has(path)) step(path, () => replaceFile(outDir, path, content));
  }
  for (const path of report.removed) step(path, () => unlinkSync(outputPath(outDir, path)));
  // The manifest goes last: until it is written, the old one still lists what an interrupted run left.
  const manifest = files.get(manifestFileName);
  if (manifest !== undefined && written.has(manifestFileName)) {
    step(manifestFileName, () => replaceFile(outDir, manifestFileName, manifest));
  }
  return report;
}

function failedStep(outDir: string, path: string, error: unknown, done: readonly string[]): OutputWriteError {
  const { code, message } = error as { code?: string; message?: string };
  const target = path === "." ? outDir : `${outDir}/${path}`;
  const partial = done.length
    ? `${done.length} file(s) were already written or removed (${done.slice(0, 5).join(", ")}${done.length > 5 ? ", ..." : ""}), so the folder is part old, part new`
    : "nothing was written";
  return new OutputWriteError(
    `could not write ${target} (${code ?? message ?? String(error)}); ${partial}. Fix the cause (file permissions or attributes, disk space), then run cachegen generate again: it writes what still differs (cachegen check lists it)`,
  );
}

/**
 * `.cachegen-<pid>-<name>`: hidden, so `compareWithOutput` and `check` pass over it, and named
 * after the run, so a later run removes it only once that run is gone.
 */
const TEMPORARY_FILE = /^\.cachegen-(\d+)-/;

function temporaryName(name: string): string {
  return `.cachegen-${process.pid}-${name}`;
}

/**
 * Writes `content` to a temporary file in the output folder, then renames it over `name`: the
 * file is old or new at every moment. A file replaced keeps its mode. Refuses (ELOOP) to replace a
 * symbolic link put there since the comparison, as the link's target may lie outside the folder.
 */
function replaceFile(outDir: string, name: string, content: string): void {
  const target = outputPath(outDir, name);
  const temporary = outputPath(outDir, temporaryName(name));
  const mode = modeOf(target);
  const fd = openSync(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0),
    0o666,
  );
  try {
    try {
      writeFileSync(fd, content);
      if (mode !== undefined) fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The permission bits of the file at `path`; undefined when there is none. */
function modeOf(path: string): number | undefined {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  if (stats.isSymbolicLink()) throw Object.assign(new Error(`${path} is a symbolic link`), { code: "ELOOP" });
  return stats.mode & 0o7777;
}

/** Temporary files a killed run left behind (a run that fails removes its own). */
function removeTemporaryFilesOfKilledRuns(outDir: string): void {
  for (const name of readdirSync(outDir)) {
    const pid = TEMPORARY_FILE.exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) rmSync(outputPath(outDir, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process of another user has that pid
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
