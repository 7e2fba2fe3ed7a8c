import type { EmittedFile } from "../emit/emit-project.js";
import type { FormatCache } from "./format-cache.js";
import { formatKey } from "./format-file.js";
import { FormatPool, FormatTaskError } from "./format-pool.js";

/**
 * The formatted content of every file, in order, and the cache key of each. Files whose
 * unformatted text was formatted before (same text, options and prettier version) come from the
 * cache; only the rest reach prettier, in `pool`'s worker threads when there are many of them. New
 * results are left to the caller's `cache.flush()`.
 */
export async function formatFiles(
  files: readonly EmittedFile[],
  cache: FormatCache,
  pool: FormatPool,
): Promise<{ contents: string[]; keys: string[] }> {
  const keys = files.map((file) => formatKey(file.text, file.language));
  const contents = await Promise.all(keys.map((key) => cache.get(key)));
  const misses = [...files.keys()].filter((index) => contents[index] === undefined);
  if (misses.length === 0) return { contents: contents as string[], keys };

  let formatted: string[];
  try {
    formatted = await pool.format(misses.map((index) => files[index] as EmittedFile));
  } catch (error) {
    if (!(error instanceof FormatTaskError)) throw error;
    const file = files[misses[error.index] ?? -1];
    throw new Error(`cachegen bug: the generated ${file?.path} is not valid ${file?.language}`, { cause: error.cause });
  }
  for (const [position, index] of misses.entries()) {
    contents[index] = formatted[position];
    cache.set(keys[index] as string, formatted[position] as string);
  }
  return { contents: contents as string[], keys };
}
