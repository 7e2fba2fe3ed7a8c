import { resolveConfig, type ResolvedConfig } from "./config.js";
import type { Diagnostic } from "./diagnostics.js";
import { emitProject, type EmittedFile } from "./emit/emit-project.js";
import { openFormatCache, type FormatCache } from "./format/format-cache.js";
import { formatFile } from "./format/format-file.js";
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
  return renderProject(await readProject(config), openFormatCache(config.root));
}

async function renderProject(project: ReadProjectResult, cache: FormatCache): Promise<GenerateResult> {
  const { model, diagnostics, sources } = project;
  const files = new Map<string, string>();
  if (model) {
    const formatted = await Promise.all(emitProject(model).map((file) => format(file, cache)));
    for (const [path, content] of formatted) files.set(path, content);
    files.set(manifestFileName, renderManifest(readPackageInfo(), sources, files));
  }
  return { files, diagnostics, model, sources };
}

async function format(file: EmittedFile, cache: FormatCache): Promise<[string, string]> {
  try {
    return [file.path, await formatFile(file.text, file.language, cache)];
  } catch (error) {
    throw new Error(`cachegen bug: the generated ${file.path} is not valid ${file.language}`, { cause: error });
  }
}
