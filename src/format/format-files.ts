import type { EmittedFile } from "../emit/emit-project.js";
import type { FormatCache } from "./format-cache.js";
import { formatKey, formatOptions } from "./format-file.js";
import { type FormatPool, FormatTaskError, formatThreads, type FormatTask } from "./format-pool.js";
import { batchUnits, joinUnits, planUnits, splitBatch } from "./format-units.js";
import { layoutUnit } from "./layout-print.js";

/**
 * The formatted content of every file, in order, and the cache key of each. Files whose
 * unformatted text was formatted before (same text, options and prettier version) come from the
 * cache, `preformatted` ones are their own text; only the rest reach prettier (see
 * `formatMisses`). New results are left to the caller's `cache.flush()`.
 */
export async function formatFiles(
  files: readonly EmittedFile[],
  cache: FormatCache,
  pool: FormatPool,
): Promise<{ contents: string[]; keys: string[] }> {
  const keys = files.map((file) => formatKey(file.text, file.language));
  const contents = await Promise.all(keys.map((key) => cache.get(key)));
  for (const [index, file] of files.entries()) {
    if (file.preformatted !== true || contents[index] !== undefined) continue;
    // Prettier would give the same text back; cached like its output, so a later run finds it.
    contents[index] = file.text;
    cache.set(keys[index] as string, file.text);
  }
  const misses = [...files.keys()].filter((index) => contents[index] === undefined);
  if (misses.length === 0) return { contents: contents as string[], keys };

  let formatted: string[];
  try {
    formatted = await formatMisses(
      misses.map((index) => files[index] as EmittedFile),
      pool,
    );
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

/**
 * Unformatted text per prettier call (see `batchUnits`): fewer calls save their fixed cost, larger
 * ones hold a larger syntax tree; measured on 500 entities, ~30 KB batches format ~15% faster than
 * one call per unit, and larger ones gain nothing more.
 */
const batchChars = 30_000;

/**
 * Formats `files`, giving prettier each distinct statement group of the TypeScript files once
 * (`format-units.ts`), in batches, in `pool`'s threads when it has them; markdown (the README)
 * whole. Rejects with a `FormatTaskError` whose index is that of a file.
 */
async function formatMisses(files: readonly EmittedFile[], pool: FormatPool): Promise<string[]> {
  const typescript = [...files.keys()].filter((index) => files[index]?.language === "typescript");
  const others = [...files.keys()].filter((index) => files[index]?.language !== "typescript");
  const laidOut = new Map<string, string | undefined>();
  const layout = (group: string) => {
    if (!laidOut.has(group)) laidOut.set(group, layoutUnit(group, formatOptions.typescript.printWidth ?? 80));
    return laidOut.get(group);
  };
  const plan = planUnits(
    typescript.map((index) => (files[index] as EmittedFile).text),
    (group) => layout(group) !== undefined,
  );
  // A group found more than once is a unit without `standalone` having been asked: laid out here.
  const forPrettier = [...plan.units.keys()].filter((unit) => layout(plan.units[unit] as string) === undefined);
  const prettierUnits = forPrettier.map((unit) => plan.units[unit] as string);
  const batches = batchUnits(prettierUnits, batchChars);
  const tasks: FormatTask[] = [
    ...batches.map(({ text }): FormatTask => ({ text, language: "typescript" })),
    ...others.map((index) => files[index] as EmittedFile),
  ];
  const formattedUnits = plan.units.map((unit) => laidOut.get(unit) as string);
  let formattedOthers: string[];
  try {
    // Threads as for that many files formatted whole: what the pool's thresholds count.
    const formatted = tasks.length === 0 ? [] : await pool.format(tasks, formatThreads(prettierUnits.length));
    const fromPrettier = await unitsOf(prettierUnits, batches, formatted.slice(0, batches.length), pool);
    for (const [position, unit] of forPrettier.entries()) formattedUnits[unit] = fromPrettier[position] as string;
    formattedOthers = formatted.slice(batches.length);
  } catch (error) {
    if (!(error instanceof FormatTaskError)) throw error;
    // Prettier refused a unit (or the README): the whole files tell which file it was.
    return pool.format(files);
  }

  const results = new Array<string>(files.length);
  for (const [position, index] of typescript.entries()) {
    const parts = plan.files[position] ?? [];
    results[index] = joinUnits(parts.map((unit) => formattedUnits[unit] as string));
  }
  for (const [position, index] of others.entries()) results[index] = formattedOthers[position] as string;
  return results;
}

/** Each unit's formatted text, from its batch; units of a batch that does not split formatted alone. */
async function unitsOf(
  units: readonly string[],
  batches: readonly { units: readonly number[] }[],
  formattedBatches: readonly string[],
  pool: FormatPool,
): Promise<string[]> {
  const formatted = new Array<string>(units.length);
  const alone: number[] = [];
  for (const [position, batch] of batches.entries()) {
    const parts = splitBatch(formattedBatches[position] as string, batch.units.length);
    if (parts === undefined) alone.push(...batch.units);
    else for (const [index, unit] of batch.units.entries()) formatted[unit] = parts[index] as string;
  }
  if (alone.length > 0) {
    const again = await pool.format(
      alone.map((unit) => ({ text: units[unit] as string, language: "typescript" })),
      formatThreads(alone.length),
    );
    for (const [index, unit] of alone.entries()) formatted[unit] = again[index] as string;
  }
  return formatted;
}
