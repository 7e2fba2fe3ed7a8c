import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedConfig } from "./config.js";
import { runKeyPrefix, type FormatCache } from "./format/format-cache.js";
import { sha256 } from "./hash.js";
import type { ProjectModel } from "./model/model.js";
import { installedPackageJson } from "./package-info.js";
import type { SchemaSource } from "./manifest.js";

/**
 * The result of a whole successful run, by a hash of everything it depends on: the schema files
 * (paths and text), the options that reach the output, and the generator itself. A run whose
 * inputs and generator are those of an earlier run (a no-op `generate` or `check`) then skips
 * parsing, validation, emission and formatting, and still returns the complete file map.
 *
 * The generator is fingerprinted by content, not by version, so a development build, a patched
 * `node_modules` copy or a template edit never reuses a result it would not produce: every file of
 * this package's code (the folder this module runs from, `dist/` or `src/`, without declarations
 * and source maps) and of `templates/`, its package.json, the package.json of each library on the
 * path (zod, yaml, handlebars, prettier) and the Node version.
 */
export interface RunEntry {
  readonly model: ProjectModel;
  /** Each output file (manifest excluded) and the format cache key of its content. */
  readonly files: readonly (readonly [path: string, contentKey: string])[];
}

const codeFolder = fileURLToPath(new URL("./", import.meta.url));
const packageFolder = fileURLToPath(new URL("../", import.meta.url));
/** Declarations and source maps do not change what the code does. */
const notCode = /\.(d\.[cm]?ts|map)$/;
const libraries = ["zod", "yaml", "handlebars", "prettier"] as const;

let fingerprint: string | undefined;

/** Hash of the generator: see `RunEntry`. Computed once per process (~600 KB of files, a few ms). */
export function generatorFingerprint(): string {
  fingerprint ??= fingerprintOf([codeFolder, join(packageFolder, "templates")], join(packageFolder, "package.json"));
  return fingerprint;
}

/** The fingerprint of the code files under `folders` and of `packageJson`; exported for tests. */
export function fingerprintOf(folders: readonly string[], packageJson: string): string {
  const parts: string[] = [process.version, readFileSync(packageJson, "utf8")];
  for (const library of libraries) parts.push(library, installedPackageJson(library));
  for (const folder of folders) {
    const files = readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((file) => !notCode.test(file));
    for (const file of files.sort()) {
      const path = join(folder, file);
      if (statSync(path).isFile()) parts.push(file, sha256(readFileSync(path)));
    }
  }
  return sha256(JSON.stringify(parts));
}

/** The run cache key of a project: its schema files (path and hash) and output options, and the generator. */
export function runKey(config: ResolvedConfig, sources: readonly SchemaSource[]): string {
  const options = { keyPrefix: config.keyPrefix, tests: config.tests };
  const schemas = sources.map((source) => [source.file, source.sha256]);
  return `${runKeyPrefix}${sha256(JSON.stringify(["run", generatorFingerprint(), options, schemas]))}`;
}

/** The entry of an earlier run with the same key, or undefined (also for an entry that does not read back). */
export async function recallRun(cache: FormatCache, key: string): Promise<RunEntry | undefined> {
  const text = await cache.get(key);
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as Partial<RunEntry> | null;
    if (entry?.model === undefined || !Array.isArray(entry.files)) return undefined;
    return entry as RunEntry;
  } catch {
    return undefined;
  }
}

export function rememberRun(cache: FormatCache, key: string, entry: RunEntry): void {
  cache.set(key, JSON.stringify(entry));
}
