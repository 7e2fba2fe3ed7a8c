import { readdirSync, readFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { compareCodeUnits } from "./compare-code-units.js";
import type { ResolvedConfig } from "./config.js";
import { cacheDirectory } from "./format/format-cache.js";
import { sha256 } from "./hash.js";
import { manifestFileName, parseManifest } from "./manifest.js";
import { runKey } from "./run-cache.js";
import { readSchemaFolder, sourcesOf } from "./schema-folder.js";
import type { SchemaFile } from "./schema/load.js";
import { sourceOfCompiled } from "./write/output-folder.js";

/*
 * The no-op path of `generate` and `check`. A successful run records, in the project's cache
 * folder, the run key of its inputs (`run-cache.ts`: schema paths and texts, the options that reach
 * the output, a content hash of the generator) with the SHA-256 of the manifest it produced and its
 * entity names. A later run whose key is the same, and whose output folder holds exactly that
 * manifest and the files it lists with their hashes (and nothing else but hidden files and a
 * compiler's output beside a generated `.ts`), has nothing to do: it answers without loading the
 * pipeline (zod, yaml, handlebars, prettier, the layout printer) or the cache pack. Anything else
 * (a changed input, generator or output file, a file added, no record) takes the full path, which
 * words every message.
 */

/** What a record holds; `recordRun` writes it, `noOpRun` reads it. */
interface RunRecord {
  readonly key: string;
  readonly manifestSha256: string;
  readonly entities: readonly string[];
}

/** An output folder found up to date: the entities of the project and every file name, sorted. */
export interface UpToDateOutput {
  readonly entities: readonly string[];
  readonly files: readonly string[];
}

/**
 * The schema files of the project, and `upToDate` when the output folder is exactly what a full
 * run would leave. Errors reading the schemas folder are those of the full path.
 */
export async function noOpRun(
  config: ResolvedConfig,
): Promise<{ readonly schemaFiles: SchemaFile[]; readonly upToDate: UpToDateOutput | undefined }> {
  const schemaFiles = await readSchemaFolder(config);
  const record = readRecord(config);
  if (record === undefined || record.key !== runKey(config, sourcesOf(schemaFiles))) {
    return { schemaFiles, upToDate: undefined };
  }
  const files = filesMatching(resolve(config.root, config.outDir), record.manifestSha256);
  return { schemaFiles, upToDate: files === undefined ? undefined : { entities: record.entities, files } };
}

/** Records a successful run (see above); never fails the run. */
export async function recordRun(
  config: ResolvedConfig,
  key: string,
  run: { readonly manifest: string; readonly entities: readonly string[] },
): Promise<void> {
  const path = recordPath(config);
  if (path === undefined) return;
  const record: RunRecord = { key, manifestSha256: sha256(run.manifest), entities: run.entities };
  // Write then rename, so a concurrent reader never sees half a record.
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(record));
    await rename(temporary, path);
  } catch {
    // No record: the next run takes the full path.
  } finally {
    await rm(temporary, { force: true });
  }
}

/** One record per output folder, beside the cache pack; none without a cache folder. */
function recordPath(config: ResolvedConfig): string | undefined {
  const directory = cacheDirectory(config.root);
  if (directory === undefined) return undefined;
  return join(directory, `no-op-${sha256(resolve(config.root, config.outDir)).slice(0, 16)}.json`);
}

function readRecord(config: ResolvedConfig): RunRecord | undefined {
  const path = recordPath(config);
  if (path === undefined) return undefined;
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as Partial<RunRecord> | null;
    const { key, manifestSha256, entities } = record ?? {};
    if (typeof key !== "string" || typeof manifestSha256 !== "string" || !Array.isArray(entities)) return undefined;
    return { key, manifestSha256, entities };
  } catch {
    return undefined;
  }
}

/**
 * Every file name of the output folder, sorted, when it holds the manifest of hash `manifestSha256`
 * and exactly the files it lists, byte for byte (links not followed); else undefined.
 */
function filesMatching(outDir: string, manifestSha256: string): string[] | undefined {
  try {
    const entries = new Map(readdirSync(outDir, { withFileTypes: true }).map((entry) => [entry.name, entry]));
    if (entries.get(manifestFileName)?.isFile() !== true) return undefined;
    const manifest = readFileSync(join(outDir, manifestFileName));
    if (sha256(manifest) !== manifestSha256) return undefined;
    const listed = parseManifest(manifest.toString("utf8"));
    if (listed === undefined || listed.has(manifestFileName)) return undefined;
    for (const [name, hash] of listed) {
      if (entries.get(name)?.isFile() !== true || sha256(readFileSync(join(outDir, name))) !== hash) return undefined;
    }
    for (const [name, entry] of entries) {
      if (name === manifestFileName || listed.has(name) || name.startsWith(".")) continue;
      const source = sourceOfCompiled(name);
      if (!entry.isFile() || source === undefined || !listed.has(source)) return undefined;
    }
    return [...listed.keys(), manifestFileName].sort(compareCodeUnits);
  } catch {
    return undefined;
  }
}
