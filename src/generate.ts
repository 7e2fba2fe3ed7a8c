import { resolveConfig, type ResolvedConfig } from "./config.js";
import type { Diagnostic } from "./diagnostics.js";
import { emitProject } from "./emit/emit-project.js";
import { openFormatCache, type FormatCache } from "./format/format-cache.js";
import { formatFiles } from "./format/format-files.js";
import { FormatPool, formatThreads } from "./format/format-pool.js";
import { manifestFileName, renderManifest, type SchemaSource } from "./manifest.js";
import type { ProjectModel } from "./model/model.js";
import { readPackageInfo } from "./package-info.js";
import type { SchemaFile } from "./schema/load.js";
import { readProject, readProjectFromFiles, type ReadProjectResult } from "./schema/read-project.js";

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
    return renderProject(project, openFormatCache());
  }
  return generateFromConfig(await resolveConfig({ ...options, cwd: options.cwd ?? process.cwd() }));
}

/** `generate` for a configuration already resolved (the CLI needs it first, to know where to write). */
export async function generateFromConfig(config: ResolvedConfig): Promise<GenerateResult> {
  const cache = openFormatCache(config.root);
  const pool = new FormatPool();
  try {
    // Schema files not parsed before are entities whose files are likely not formatted before
    // either: start the formatting threads now, so they load prettier while the schemas are read.
    const filesPerSchema = config.tests ? 2 : 1;
    const project = await readProject(config, cache, (unparsed) =>
      pool.start(formatThreads(unparsed * filesPerSchema)),
    );
    const result = await renderProject(project, cache, pool);
    await cache.flush();
    return result;
  } finally {
    await pool.close();
  }
}

async function renderProject(
  project: ReadProjectResult,
  cache: FormatCache,
  pool: FormatPool = new FormatPool(),
): Promise<GenerateResult> {
  const { model, diagnostics, sources } = project;
  const files = new Map<string, string>();
  try {
    if (model) {
      const emitted = emitProject(model);
      const formatted = await formatFiles(emitted, cache, pool);
      for (const [index, file] of emitted.entries()) files.set(file.path, formatted[index] as string);
      files.set(manifestFileName, renderManifest(readPackageInfo(), sources, files));
    }
  } finally {
    await pool.close();
  }
  return { files, diagnostics, model, sources };
}
