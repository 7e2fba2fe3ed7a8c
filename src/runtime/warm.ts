import type { PrimeResult } from "./prime.js";

/** Entities primed per script when the source yields them one by one. */
const PAGE_SIZE = 100;
/** The progress bar redraws at most this often. */
const BAR_INTERVAL_MS = 100;

/** Counts of a warm-up so far; `done` once the source is exhausted and every page settled. */
export interface WarmProgress {
  readonly primed: number;
  readonly skipped: number;
  /** Entities of pages that could not be primed (an invalid entity in the page, Redis unavailable). */
  readonly failed: number;
  readonly done: boolean;
}

export interface WarmOptions {
  /** Pages primed at the same time, at most; default 8. */
  readonly concurrency?: number;
  /** Called after every page, and once more with `done: true`. */
  readonly onProgress?: (progress: WarmProgress) => void;
  /** A one-line progress display on stderr; default: when stderr is a terminal. */
  readonly progressBar?: boolean;
}

/** What `warm` needs of a repository: every generated repository has it. */
export interface Primable<TEntity> {
  primeMany(entities: readonly TEntity[]): Promise<PrimeResult>;
  readonly definition?: { readonly name: string };
}

/**
 * Warms a repository from the application's own data (a cold start, a new deploy's namespace):
 * primes every entity `source` yields, entities or pages (arrays) of them, with `primeMany`, at most
 * `concurrency` pages at a time. Priming follows the rules of a fill, so a warm-up running beside
 * live traffic never replaces a newer value or a queued write. A page that fails (an entity that
 * does not fit the schema, Redis unavailable) counts as `failed` and the warm-up goes on; an error
 * of `source` itself rejects, after the pages in flight settle.
 * @returns the final counts.
 */
export async function warm<TEntity>(
  repository: Primable<TEntity>,
  source: AsyncIterable<TEntity | readonly TEntity[]> | Iterable<TEntity | readonly TEntity[]>,
  options: WarmOptions = {},
): Promise<WarmProgress> {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new TypeError(`cachegen: warm concurrency must be a positive integer, got ${String(concurrency)}`);
  const counts = { primed: 0, skipped: 0, failed: 0 };
  const bar = (options.progressBar ?? process.stderr.isTTY === true) ? progressBar(repository) : undefined;
  const report = (done: boolean) => {
    const progress: WarmProgress = { ...counts, done };
    bar?.(progress);
    options.onProgress?.(progress);
  };
  const inFlight = new Set<Promise<void>>();
  const prime = async (page: readonly TEntity[]) => {
    try {
      const result = await repository.primeMany(page);
      counts.primed += result.primed;
      counts.skipped += result.skipped;
    } catch {
      counts.failed += page.length;
    }
    report(false);
  };
  const launch = async (page: readonly TEntity[]) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const run = prime(page).finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  let single: TEntity[] = [];
  try {
    for await (const item of source as AsyncIterable<TEntity | readonly TEntity[]>) {
      if (Array.isArray(item)) {
        if (item.length) await launch(item as readonly TEntity[]);
        continue;
      }
      single.push(item as TEntity);
      if (single.length >= PAGE_SIZE) {
        await launch(single);
        single = [];
      }
    }
    if (single.length) await launch(single);
  } finally {
    await Promise.all(inFlight);
  }
  report(true);
  return { ...counts, done: true };
}

/** Draws `warm <Entity>: N primed, N skipped, N failed` in place on stderr, throttled. */
function progressBar(repository: Primable<unknown>): (progress: WarmProgress) => void {
  const name = repository.definition?.name ?? "cache";
  let drawnAt = 0;
  return (progress) => {
    const now = Date.now();
    if (!progress.done && now - drawnAt < BAR_INTERVAL_MS) return;
    drawnAt = now;
    const total = progress.primed + progress.skipped + progress.failed;
    const line = `warm ${name}: ${total} entities, ${progress.primed} primed, ${progress.skipped} skipped, ${progress.failed} failed`;
    process.stderr.write(`\r\u001b[2K${line}${progress.done ? "\n" : ""}`);
  };
}
