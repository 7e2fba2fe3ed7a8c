/**
 * Keys claimed together by one getMany (`claim`): one shared batch, a per-key promise only on
 * demand. Its keys are claimed one by one while the getMany sorts its keys; the batch is started
 * once they all are (`start`).
 */
export class BatchEntry<T> {
  readonly keys: string[] = [];
  private batch: Promise<readonly T[]> | undefined;

  constructor(readonly missing: T) {}

  /** The promise of one key of the batch (made when a caller joins it: rare, so a linear search). */
  one(key: string): Promise<T> {
    const at = this.keys.indexOf(key);
    return this.batch!.then((values) => (at >= 0 && at < values.length ? (values[at] as T) : this.missing));
  }

  /** Sets the read of the keys claimed (values in their order). */
  started(batch: Promise<readonly T[]>): void {
    this.batch = batch;
  }
}

type Entry<T> = Promise<T> | BatchEntry<T>;

/**
 * Settled entries are swept once the map holds this many and 4x more settled than live ones. A
 * sweep shrinks the map's table and the reads after it grow it again: new tables of a long-lived
 * map, each promoted to the old generation and soon garbage there. At 1024, getMany(100) over 2000
 * keys swept every ten calls, promoted ~650 KB per scavenge, and cost 15% more client CPU. So a
 * working set of up to this many keys is never swept; the settled entries kept cost at most
 * ~0.5 MB (an entry, and its key where nothing else holds it).
 */
export const SWEEP_AT = 4096;

/**
 * In-process coalescing: concurrent callers for one key share one promise.
 *
 * Every read registers here, so it is on the hot path. A settled entry is not deleted from the
 * map but set to undefined, and the map is swept of those in bulk now and then: V8 shrinks and
 * rehashes a Map as entries are deleted, and a delete per read (the map hovering around the number
 * of reads in flight) made every read pay for rehashing.
 */
export class Coalescer<T> {
  private readonly inflight = new Map<string, Entry<T> | undefined>();
  /** Entries that are not undefined. */
  private live = 0;

  /** Keys the map holds, in flight or settled and not yet swept (for tests and diagnostics). */
  get entries(): number {
    return this.inflight.size;
  }

  /** The in-flight promise for `key`, if any. */
  get(key: string): Promise<T> | undefined {
    const entry = this.inflight.get(key);
    return entry instanceof BatchEntry ? entry.one(key) : entry;
  }

  /** Runs `fn` unless a call for `key` is in flight; `joined` tells the caller which happened. */
  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.get(key);
    if (existing) return { promise: existing, joined: true };
    const promise = fn();
    this.register(key, promise);
    return { promise, joined: false };
  }

  /** Registers an externally created promise for `key` (batch loads). */
  register(key: string, promise: Promise<T>): void {
    this.set(key, promise);
    const done = settled(this, key, promise);
    promise.then(done, done);
  }

  /** Registers `promise` for `key`; the caller calls `release(key, promise)` once it settles (the hit path: no continuation). */
  add(key: string, promise: Promise<T>): void {
    this.set(key, promise);
  }

  /**
   * The entry registered for `key`, as it is: a promise, a BatchEntry (`get` makes the key's own
   * promise of it), or undefined.
   */
  entry(key: string): Entry<T> | undefined {
    return this.inflight.get(key);
  }

  /**
   * Claims `key`, which has no entry (`entry(key)` answered undefined just now), for `batch`: callers
   * of it join the batch once it is started, and read their key's value from its result. One map
   * write per key and one continuation per batch (`settleBatch`), not a promise per key.
   */
  claim(key: string, batch: BatchEntry<T>): void {
    this.live += 1;
    this.inflight.set(key, batch);
    batch.keys.push(key);
  }

  /** Starts a batch whose keys were claimed: its keys are released as `read` settles. */
  startBatch(batch: BatchEntry<T>, read: Promise<readonly T[]>): void {
    batch.started(read);
    const done = settledBatch(this, batch);
    read.then(done, done);
  }

  /** Releases the keys of a batch: once its read settled, or at once when it never starts (its getMany threw). */
  releaseBatch(batch: BatchEntry<T>): void {
    for (const key of batch.keys) this.release(key, batch);
  }

  /** Later callers for `key` start afresh (after a write, so they never join an older read). */
  forget(key: string): void {
    this.release(key, this.inflight.get(key));
  }

  forgetAll(): void {
    this.inflight.clear();
    this.live = 0;
  }

  /** Drops `key` if it still maps to `entry` (a settled registration). */
  release(key: string, entry: Entry<T> | undefined): void {
    if (entry === undefined || this.inflight.get(key) !== entry) return;
    this.inflight.set(key, undefined);
    this.live -= 1;
    const size = this.inflight.size;
    if (size >= SWEEP_AT && size > 4 * this.live) {
      for (const [k, e] of this.inflight) if (e === undefined) this.inflight.delete(k);
    }
  }

  private set(key: string, entry: Entry<T>): void {
    if (this.inflight.get(key) === undefined) this.live += 1;
    this.inflight.set(key, entry);
  }
}

/** The cleanup of one registration (a plain closure: this is on every read's path). */
function settled<T>(coalescer: Coalescer<T>, key: string, promise: Promise<T>): () => void {
  return () => coalescer.release(key, promise);
}

function settledBatch<T>(coalescer: Coalescer<T>, entry: BatchEntry<T>): () => void {
  return () => coalescer.releaseBatch(entry);
}
