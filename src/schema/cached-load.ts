import { sha256 } from "../hash.js";
import { installedVersion } from "../package-info.js";
import { documentWithValue, isJsonFile, loadDocument, type LoadResult, type SchemaFile } from "./load.js";

/** Where parsed values are kept between runs (the generator's cache pack). */
export interface ParseCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): void;
}

/** The cache key of a schema file's parsed value: a hash of its language (and yaml's version) and its text. */
function documentKey(file: SchemaFile): string {
  const parser = isJsonFile(file.path) ? ["json-value"] : ["yaml-value", installedVersion("yaml")];
  return sha256(`${JSON.stringify(parser)}\n`, file.text);
}

/**
 * `loadDocument` with the parsed value of each file cached by a hash of its text. Parsing YAML
 * with positions is the largest cost of reading a project that did not change (a third of a no-op
 * run); the positions are only needed to report a problem, and are then parsed again on demand
 * (`documentWithValue`). Only files that parsed without errors, into values that JSON carries
 * unchanged, are cached, so a cached load gives the same value and diagnostics as a fresh one.
 */
export async function cachedDocumentLoader(
  files: readonly SchemaFile[],
  cache: ParseCache,
): Promise<{ readonly load: (file: SchemaFile) => LoadResult; readonly unparsed: number }> {
  const cached = new Map<string, string | undefined>();
  const keys = new Map<SchemaFile, string>();
  await Promise.all(
    files.map(async (file) => {
      const key = documentKey(file);
      keys.set(file, key);
      cached.set(key, await cache.get(key));
    }),
  );
  const unparsed = [...cached.values()].filter((json) => json === undefined).length;
  const load = (file: SchemaFile): LoadResult => {
    const key = keys.get(file) ?? documentKey(file);
    const json = cached.get(key);
    if (json !== undefined) return { document: documentWithValue(file, JSON.parse(json)), diagnostics: [] };
    const result = loadDocument(file);
    if (result.document !== undefined && isJsonValue(result.document.value)) {
      const text = JSON.stringify(result.document.value);
      cached.set(key, text);
      cache.set(key, text);
    }
    return result;
  };
  return { load, unparsed };
}

/** Plain data that `JSON.parse(JSON.stringify(value))` gives back as it was (own `__proto__` keys included). */
function isJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index += 1) {
          if (!(index in value) || !isJsonValue(value[index])) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      return Object.getOwnPropertyNames(value).every((key) => {
        const descriptor = Object.getOwnPropertyDescriptor(value, key);
        return descriptor?.enumerable === true && "value" in descriptor && isJsonValue(descriptor.value);
      });
    }
    default:
      return false;
  }
}
