import { compareCodeUnits } from "./compare-code-units.js";
import type { ResolvedConfig } from "./config.js";
import { sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { buildModel, type ProjectOptions, type ValidEntity } from "./model/build-model.js";
import type { ProjectModel } from "./model/model.js";
import { cachedDocumentLoader, type ParseCache } from "./schema/cached-load.js";
import { readSchemaFolder, sourcesOf } from "./schema-folder.js";
import { loadDocument, type LoadResult, type SchemaFile } from "./schema/load.js";
import { checkReferences } from "./schema/references.js";
import { validateDocument, type EntityCandidate } from "./schema/validate.js";

/*
 * The load, validate and model stages in a row: schema files in, the model (or every problem) out.
 */

export interface ReadProjectResult {
  /** Undefined when there is any error. */
  model: ProjectModel | undefined;
  /** Every problem of the run, sorted by file, line and column. */
  diagnostics: Diagnostic[];
  /** Every schema file read, sorted by path, with the SHA-256 of its text. */
  sources: { file: string; sha256: string }[];
}

export interface ReadProjectOptions {
  /** Schema files parsed before are not parsed again (see `schema/cached-load.ts`). */
  readonly cache?: ParseCache;
  /** The files `readSchemaFolder(config)` returned, when the caller has read them already. */
  readonly files?: readonly SchemaFile[];
}

/** Reads the schema files of a project and turns them into the model, or into diagnostics. */
export async function readProject(
  config: ResolvedConfig,
  options: ReadProjectOptions = {},
): Promise<ReadProjectResult> {
  const files = options.files ?? (await readSchemaFolder(config));
  const load = options.cache === undefined ? loadDocument : (await cachedDocumentLoader(files, options.cache)).load;
  return readProjectFromFiles(files, projectOptions(config), load);
}

export function projectOptions(config: ResolvedConfig): ProjectOptions {
  return { keyPrefix: config.keyPrefix, tests: config.tests };
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
