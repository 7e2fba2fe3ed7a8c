import { readFileSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Document, LineCounter } from "yaml";
import { compareCodeUnits } from "../compare-code-units.js";
import { errorAt, type Diagnostic } from "../diagnostics.js";
import { parseJsonText } from "./json-text.js";
import { createJsonLocator, createLocator, positionsIn, type Locate } from "./locate.js";
import { yamlLibrary } from "./yaml.js";
import { parseSimpleYaml } from "./simple-yaml.js";
import { findFlowMistake } from "./yaml-flow-mistakes.js";
import { findIndentationMistake } from "./yaml-indentation-mistakes.js";

/** A schema file's text, under its project-relative path with `/` separators. */
export interface SchemaFile {
  readonly path: string;
  readonly text: string;
}

/** A schema file that parsed: its plain value, and where each part of it is written. */
export interface LoadedDocument {
  readonly file: string;
  readonly value: unknown;
  readonly locate: Locate;
}

export type LoadResult =
  | { readonly document: LoadedDocument; readonly diagnostics: readonly [] }
  | { readonly document: undefined; readonly diagnostics: readonly Diagnostic[] };

/** Schema files by extension, in any case: `user.yaml`, `user.YML`, `user.json`. */
const SCHEMA_FILE = /\.(ya?ml|json)$/i;

/**
 * The schema files under `schemasDir` (relative to `root`), in subfolders too, sorted by path.
 * Hidden entries (`.git`, `.#user.yaml`), `node_modules` and the folders in `skip` (the output
 * folder, when it lies inside) are not read; symbolic links are followed, each folder once.
 */
export async function readSchemaFiles(
  root: string,
  schemasDir: string,
  options: { readonly skip?: readonly string[] } = {},
): Promise<SchemaFile[]> {
  const skipped = new Set((options.skip ?? []).map((folder) => path.resolve(root, folder)));
  const visited = new Set<string>();
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const absolute = path.resolve(root, folder);
    const real = await realpath(absolute);
    if (visited.has(real)) return;
    visited.add(real);
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const child = path.posix.join(folder, entry.name);
      const kind = entry.isSymbolicLink() ? await linkTargetKind(path.join(absolute, entry.name)) : entry;
      if (kind?.isDirectory()) {
        if (entry.name !== "node_modules" && !skipped.has(path.resolve(root, child))) await walk(child);
      } else if (kind?.isFile() && SCHEMA_FILE.test(entry.name)) {
        found.push(child);
      }
    }
  };
  await walk(schemasDir);
  // Synchronous reads: for hundreds of small files, several times faster than promise-based ones.
  return found.sort(compareCodeUnits).map((file) => ({ path: file, text: readFileSync(path.join(root, file), "utf8") }));
}

/** What a symbolic link points to; undefined for a dangling link. */
async function linkTargetKind(link: string): Promise<{ isDirectory(): boolean; isFile(): boolean } | undefined> {
  try {
    return await stat(link);
  } catch {
    return undefined;
  }
}

/** `.json` files are strict JSON; every other schema file is YAML. */
export function isJsonFile(path: string): boolean {
  return /\.json$/i.test(path);
}

/** Parses one file. A file that does not parse yields its syntax errors and no document. */
export function loadDocument(source: SchemaFile): LoadResult {
  return isJsonFile(source.path) ? loadJson(source) : loadYaml(source);
}

function loadJson(source: SchemaFile): LoadResult {
  const parsed = parseJsonText(source.text);
  if (parsed.error !== undefined) {
    const position = positionsIn(source.text)(parsed.error.offset);
    return { document: undefined, diagnostics: [errorAt(source.path, position, `JSON syntax error: ${parsed.error.message}`)] };
  }
  return {
    document: { file: source.path, value: parsed.value, locate: createJsonLocator(parsed.root, source.text) },
    diagnostics: [],
  };
}

function loadYaml(source: SchemaFile): LoadResult {
  // Most schema files are plain YAML, read several times faster without positions; `yaml` parses
  // them with positions only to place a problem (`documentWithValue`), and reads everything else.
  const simple = parseSimpleYaml(source.text);
  if (simple !== undefined) return { document: documentWithValue(source, simple), diagnostics: [] };
  const { document, lineCounter } = parseWithPositions(source.text);
  if (document.errors.length > 0) {
    const mistake = findFlowMistake(source.text);
    if (mistake !== undefined) {
      const { line, col } = lineCounter.linePos(mistake.offset);
      return { document: undefined, diagnostics: [errorAt(source.path, { line, column: col }, `YAML syntax error: ${mistake.message}`)] };
    }
    // yaml often reports one mistake several ways at one offset; the first is the most direct.
    const firstAtEachOffset = document.errors.filter(
      (error, index, all) => all.findIndex((other) => other.pos[0] === error.pos[0]) === index,
    );
    const diagnostics = firstAtEachOffset.map((error) => {
      const mistake = findIndentationMistake(source.text, error, document.errors);
      const { line, col } = lineCounter.linePos(mistake?.offset ?? error.pos[0]);
      return errorAt(
        source.path,
        { line, column: col },
        `YAML syntax error: ${mistake?.message ?? syntaxMessage(error.code, error.message)}`,
      );
    });
    return { document: undefined, diagnostics };
  }
  return {
    document: { file: source.path, value: document.toJS(), locate: createLocator(document, lineCounter) },
    diagnostics: [],
  };
}

function parseWithPositions(text: string): { document: Document; lineCounter: LineCounter } {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  return { document: parseDocument(text, { lineCounter, prettyErrors: false }), lineCounter };
}

/**
 * A document whose plain value is already known (read by `parseSimpleYaml`, or from the cache in
 * `cached-load.ts`): positions are only needed to report a problem, so the file is parsed again
 * only when one is located.
 */
export function documentWithValue(source: SchemaFile, value: unknown): LoadedDocument {
  let locate: Locate | undefined;
  return {
    file: source.path,
    value,
    locate: (path, which) => {
      locate ??= locatorOf(source);
      return locate(path, which);
    },
  };
}

function locatorOf(source: SchemaFile): Locate {
  if (isJsonFile(source.path)) {
    const { root } = parseJsonText(source.text);
    if (root === undefined) throw new Error(`cachegen bug: ${source.path} was cached as valid JSON but does not parse`);
    return createJsonLocator(root, source.text);
  }
  const { document, lineCounter } = parseWithPositions(source.text);
  return createLocator(document, lineCounter);
}

function syntaxMessage(code: string, message: string): string {
  // yaml's own wording here speaks to programmers ("please use YAML.parseAllDocuments()").
  if (code === "MULTIPLE_DOCS") {
    return "a schema file holds a single document; remove the `---` separator and list several entities under `entities:` instead";
  }
  return message;
}
