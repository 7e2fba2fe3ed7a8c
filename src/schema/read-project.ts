import { compareCodeUnits } from "../compare-code-units.js";
import { ConfigError, describeOrigin, type ResolvedConfig } from "../config.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import { sha256 } from "../hash.js";
import { buildModel, type ProjectOptions, type ValidEntity } from "../model/build-model.js";
import type { ProjectModel } from "../model/model.js";
import type { FormatCache } from "../format/format-cache.js";
import { cachedDocumentLoader } from "./cached-load.js";
import { loadDocument, readSchemaFiles, type LoadResult, type SchemaFile } from "./load.js";
import { checkReferences } from "./references.js";
import { validateDocument, type EntityCandidate } from "./validate.js";

export interface ReadProjectResult {
  /** Undefined when there is any error. */
  model: ProjectModel | undefined;
  /** Every problem of the run, sorted by file, line and column. */
  diagnostics: Diagnostic[];
  /** Every schema file read, sorted by path, with the SHA-256 of its text. */
  sources: { file: string; sha256: string }[];
}

export interface ReadProjectOptions {
  /** Schema files parsed before are not parsed again (see `cached-load.ts`). */
  readonly cache?: FormatCache;
  /** With a cache: hears, before any parsing, how many files are new or changed since last parsed. */
  readonly onUnparsed?: (files: number) => void;
  /** The files `readSchemaFolder(config)` returned, when the caller has read them already. */
  readonly files?: readonly SchemaFile[];
}

/** Reads the schema files of a project and turns them into the model, or into diagnostics. */
export async function readProject(
  config: ResolvedConfig,
  options: ReadProjectOptions = {},
): Promise<ReadProjectResult> {
  const files = options.files ?? (await readSchemaFolder(config));
  let load = loadDocument;
  if (options.cache !== undefined) {
    const loader = await cachedDocumentLoader(files, options.cache);
    options.onUnparsed?.(loader.unparsed);
    load = loader.load;
  }
  return readProjectFromFiles(files, { keyPrefix: config.keyPrefix, tests: config.tests }, load);
}

/** The schema files of a project, sorted by path; a missing folder is a `ConfigError`. */
export async function readSchemaFolder(config: ResolvedConfig): Promise<SchemaFile[]> {
  try {
    return await readSchemaFiles(config.root, config.schemasDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    throw new ConfigError(
      `schemas folder "${config.schemasDir}" (${describeOrigin(config.origins.schemas)}) does not exist; create it (\`cachegen init\` writes an example) or point "schemas" or --schemas at your schema files`,
    );
  }
}

/** `readProject` for files held in memory, with paths relative to the project root (`schemas/user.yaml`). */
export function readProjectFromFiles(
  files: readonly SchemaFile[],
  options: ProjectOptions,
  load: (file: SchemaFile) => LoadResult = loadDocument,
): ReadProjectResult {
  const sorted = [...files].sort((a, b) => compareCodeUnits(a.path, b.path));
  const diagnostics: Diagnostic[] = [];
  const candidates: EntityCandidate[] = [];
  for (const file of sorted) {
    const { document, diagnostics: syntaxErrors } = load(file);
    diagnostics.push(...syntaxErrors);
    if (document === undefined) continue;
    const validation = validateDocument(document);
    diagnostics.push(...validation.diagnostics);
    candidates.push(...validation.candidates);
  }
  diagnostics.push(...checkReferences(candidates));
  const sources = sourcesOf(sorted);
  if (diagnostics.length > 0) return { model: undefined, diagnostics: sortDiagnostics(diagnostics), sources };
  const valid = candidates.flatMap(({ parsed, document }): ValidEntity[] =>
    parsed ? [{ document: parsed, sourceFile: document.file }] : [],
  );
  return { model: buildModel(valid, options), diagnostics: [], sources };
}

/** Each schema file's path and the SHA-256 of its text, in the order given. */
export function sourcesOf(files: readonly SchemaFile[]): { file: string; sha256: string }[] {
  return files.map((file) => ({ file: file.path, sha256: sha256(file.text) }));
}
