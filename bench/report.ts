/**
 * Shared shapes of the benchmark report (`npm run bench` -> bench/results/latest.{md,json}).
 * Every bench file (runtime benches in bench/runtime/, the generator bench in bench/generator.ts)
 * returns one or more `BenchSection`s; bench/run.ts renders them.
 *
 * Benchmarks report; they never fail on a timing.
 */

/** One cell of a row: numbers are formatted by the renderer, strings are shown as is. */
export type BenchValue = number | string | boolean | null;

/** One row of a section table. `name` is the first column; every other property is a column. */
export interface BenchRow {
  name: string;
  [metric: string]: BenchValue;
}

/** One table of the report. */
export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** Free text shown under the table (goal met or not, method, caveats). */
  notes?: string[];
}
