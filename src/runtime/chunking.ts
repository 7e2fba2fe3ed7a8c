/** Batches up to this many calls are sent as one command; larger ones are split (see `chunkSize`). */
export const MIN_CHUNK = 16;
/** How many commands a larger batch is split into, at most (before the caller's `max` applies). */
export const SPLIT = 4;

/**
 * The calls per command for a batch of `n` (read keys of one MGET, writes of one script call): one
 * command up to MIN_CHUNK calls, else `n` split SPLIT ways (chunks of at least MIN_CHUNK, at most
 * `max`).
 *
 * Why split: Redis answers a command only once it has run it whole, and the client can only decode
 * a reply once it has it whole. As a few commands sent together, Redis runs the later ones while the
 * client decodes the first replies (and, for writes, encodes the next batch): the two overlap
 * instead of taking turns. Measured with 64 operations in flight on 2 cores: write-through save
 * 0.47x -> 0.83x raw SET; coalesced gets +10% to +25% (hit bench, A/B in one window). A batch of a few
 * calls gains nothing from overlap and would pay a command per chunk: hence MIN_CHUNK. (getMany's
 * own MGET is not split: at 1 in flight it measured the same either way.)
 */
export function chunkSize(n: number, max: number): number {
  if (n <= MIN_CHUNK) return n;
  return Math.min(max, Math.max(MIN_CHUNK, Math.ceil(n / SPLIT)));
}
