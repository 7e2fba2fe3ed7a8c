import { resolveConfig, type ResolvedConfig } from "./config.js";
import type { Diagnostic } from "./diagnostics.js";
import { emitProject } from "./emit/emit-project.js";
import { openFormatCache, type FormatCache } from "./format/format-cache.js";
import { formatFiles } from "./format/format-files.js";
import { FormatPool } from "./format/format-pool.js";
import { manifestFileName, renderManifest, type SchemaSource } from "./manifest.js";
import { deepFreeze } from "./model/build-model.js";
import type { ProjectModel } from "./model/model.js";
import { recordRun } from "./no-op-run.js";
import { recallRun, rememberRun, runKey } from "./run-cache.js";
import { projectOptions, readProjectFromFiles, type ReadProjectResult } from "./read-project.js";
import { readSchemaFolder, sourcesOf } from "./schema-folder.js";
import { cachedDocumentLoader } from "./schema/cached-load.js";
import type { SchemaFile } from "./schema/load.js";

/** A project on disk: the same inputs as the CLI's `--config`, `--schemas` and `--out`. */
export interface DiskProject {
  /** Where to look for `cachegen.config.json`; default `process.cwd()`. */
  readonly cwd?: string | undefined;
  readonly config?: string | undefined;
  readonly schemas?: string | undefined;
  readonly out?: string | undefined;
}

/** Schema files held in memory, with paths relative to a project root (`schemas/user.yaml`). */
export interface InMemoryProject {
  readonly files: readonly SchemaFile[];
  readonly keyPrefix: string;
  readonly tests: boolean;
}

export interface GenerateResult {
  /** Path relative to the output folder -> content. Empty when there are errors (then `model` is undefined). */
  readonly files: Map<string, string>;
  readonly diagnostics: readonly Diagnostic[];
  readonly model: ProjectModel | undefined;
  readonly sources: readonly SchemaSource[];
}

/**
 * Everything `generate` would write, as a map: writing, `check`, `--dry-run` and tests all use
 * this one result. Reads the schemas (and the format cache) and nothing else.
 */
export async function generate(options: DiskProject | InMemoryProject = {}): Promise<GenerateResult> {
  if ("files" in options) {
    const project = readProjectFromFiles(options.files, { keyPrefix: options.keyPrefix, tests: options.tests });
    const pool = new FormatPool();
    try {
      return (await renderProject(project, openFormatCache(), pool)).result;
    } finally {
      await pool.close();
    }
  }
  return generateFromConfig(await resolveConfig({ ...options, cwd: options.cwd ?? process.cwd() }));
}

/**
 * `generate` for a configuration already resolved (the CLI needs it first, to know where to write).
 * `schemaFiles` are those `readSchemaFolder(config)` returned, when the caller has read them.
 */
export async function generateFromConfig(config: ResolvedConfig, schemaFiles?: SchemaFile[]): Promise<GenerateResult> {
  const files = schemaFiles ?? (await readSchemaFolder(config));
  // readSchemaFolder sorts by path, as the manifest lists them.
  const sources = sourcesOf(files);
  const key = runKey(config, sources);
  const result = await generateFromFolder(config, files, sources, key);
  const manifest = result.files.get(manifestFileName);
  if (result.model && manifest !== undefined) {
    await recordRun(config, key, { manifest, entities: result.model.entities.map((entity) => entity.name) });
  }
  return result;
}

async function generateFromFolder(
  config: ResolvedConfig,
  schemaFiles: SchemaFile[],
  sources: readonly SchemaSource[],
  key: string,
): Promise<GenerateResult> {
  const cache = openFormatCache(config.root);
  const remembered = await recallResult(cache, key, sources);
  if (remembered) return remembered;

  const pool = new FormatPool();
  try {
    // No formatting threads are started ahead: the format stage lays out the generated code
    // itself (`format/layout-print.ts`), and starts threads only for what it leaves to prettier.
    const loader = await cachedDocumentLoader(schemaFiles, cache);
    const project = readProjectFromFiles(schemaFiles, projectOptions(config), loader.load);
    const { result, contentKeys } = await renderProject(project, cache, pool);
    if (result.model) rememberRun(cache, key, { model: result.model, files: contentKeys });
    await cache.flush();
    return result;
  } finally {
    await pool.close();
  }
}

/** The result of an earlier run with the same key, when the cache still holds all of its files. */
async function recallResult(
  cache: FormatCache,
  key: string,
  sources: readonly SchemaSource[],
): Promise<GenerateResult | undefined> {
  const entry = await recallRun(cache, key);
  if (entry === undefined) return undefined;
  const contents = await Promise.all(entry.files.map(([, contentKey]) => cache.get(contentKey)));
  if (contents.some((content) => content === undefined)) return undefined;
  const files = new Map(entry.files.map(([path], index) => [path, contents[index] as string]));
  files.set(manifestFileName, renderManifest(sources, files));
  return { files, diagnostics: [], model: deepFreeze(entry.model), sources };
}

/** Emits and formats the files of a project (none when its schemas have errors); the caller owns `pool`. */
async function renderProject(
  project: ReadProjectResult,
  cache: FormatCache,
  pool: FormatPool,
): Promise<{ result: GenerateResult; contentKeys: [string, string][] }> {
  const { model, diagnostics, sources } = project;
  const files = new Map<string, string>();
  const contentKeys: [string, string][] = [];
  if (model) {
    const emitted = emitProject(model);
    const { contents, keys } = await formatFiles(emitted, cache, pool);
    for (const [index, file] of emitted.entries()) {
      files.set(file.path, contents[index] as string);
      contentKeys.push([file.path, keys[index] as string]);
    }
    files.set(manifestFileName, renderManifest(sources, files));
  }
  return { result: { files, diagnostics, model, sources }, contentKeys };
}
