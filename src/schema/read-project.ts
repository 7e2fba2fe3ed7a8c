import { compareCodeUnits } from "../compare-code-units.js";
import { ConfigError, type ResolvedConfig } from "../config.js";
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

/**
 * Reads the schema files of a project and turns them into the model, or into diagnostics. With a
 * cache, files parsed before are not parsed again (see `cached-load.ts`); `onUnparsed` then hears,
 * before any parsing, how many files are new or changed since they were last parsed.
 */
export async function readProject(
  config: ResolvedConfig,
  cache?: FormatCache,
  onUnparsed?: (files: number) => void,
): Promise<ReadProjectResult> {
  let files: SchemaFile[];
  try {
    files = await readSchemaFiles(config.root, config.schemasDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    const source = config.configFile === undefined ? "the default" : `set in ${config.configFile}`;
    throw new ConfigError(
      `schemas folder "${config.schemasDir}" (${source}) does not exist; create it (\`cachegen init\` writes an example) or point "schemas" or --schemas at your schema files`,
    );
  }
  let load = loadDocument;
  if (cache !== undefined) {
    const loader = await cachedDocumentLoader(files, cache);
    onUnparsed?.(loader.unparsed);
    load = loader.load;
  }
  return readProjectFromFiles(files, { keyPrefix: config.keyPrefix, tests: config.tests }, load);
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
  const sources = sorted.map((file) => ({ file: file.path, sha256: sha256(file.text) }));
  if (diagnostics.length > 0) return { model: undefined, diagnostics: sortDiagnostics(diagnostics), sources };
  const valid = candidates.flatMap(({ parsed, document }): ValidEntity[] =>
    parsed ? [{ document: parsed, sourceFile: document.file }] : [],
  );
  return { model: buildModel(valid, options), diagnostics: [], sources };
}
