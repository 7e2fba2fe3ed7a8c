/**
 * Keys claimed together by one getMany (`claim`): one shared batch, a per-key promise only on
 * demand. Its keys are claimed one by one while the getMany sorts its keys; the batch is started
 * once they all are (`start`).
 */
export class BatchEntry<T> {
  readonly keys: string[] = [];
  /** The slots of `keys`, in the same order: released without a map lookup. */
  readonly slots: Slot<T>[] = [];
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
 * One key's place in the coalescer: what is in flight for the key now (undefined: nothing). A slot
 * stays while its key is read again and again, so a read looks its key up once and registers and
 * releases itself on the slot it holds, with no further map operation.
 */
export class Slot<T> {
  entry: Entry<T> | undefined = undefined;

  constructor(readonly key: string) {}
}

/**
 * Slots without a read in flight are swept once the map holds this many, and after a sweep once it
 * holds twice what the sweep left (each sweep's cost is paid for by as many new keys). A sweep
 * shrinks the map's table and the reads after it grow it again: new tables of a long-lived map,
 * each promoted to the old generation and soon garbage there. At 1024, getMany(100) over 2000 keys
 * swept every ten calls, promoted ~650 KB per scavenge, and cost 15% more client CPU. So a working
 * set of up to this many keys is never swept; the idle slots kept cost at most ~0.5 MB.
 */
export const SWEEP_AT = 4096;

/**
 * In-process coalescing: concurrent callers for one key share one promise.
 *
 * Every read registers here, so it is on the hot path: a read costs one map lookup (its slot; a
 * first read of a key also inserts it), and its registration and release are writes to the slot.
 * Idle slots are not deleted one by one but swept in bulk now and then: V8 shrinks and rehashes a
 * Map as entries are deleted, and a delete per read (the map hovering around the number of reads in
 * flight) made every read pay for rehashing.
 */
export class Coalescer<T> {
  private slots = new Map<string, Slot<T>>();
  private sweepAt = SWEEP_AT;

  /** Slots the map holds, in flight or idle and not yet swept (for tests and diagnostics). */
  get entries(): number {
    return this.slots.size;
  }

  /** The slot of `key`, made on its first read. */
  slot(key: string): Slot<T> {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.sweepAt) this.sweep();
      slot = new Slot<T>(key);
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** The read in flight in `slot`, as a promise of its key's value; undefined when there is none. */
  join(slot: Slot<T>): Promise<T> | undefined {
    const entry = slot.entry;
    return entry instanceof BatchEntry ? entry.one(slot.key) : entry;
  }

  /** The in-flight promise for `key`, if any. */
  get(key: string): Promise<T> | undefined {
    const slot = this.slots.get(key);
    return slot && this.join(slot);
  }

  /** Runs `fn` unless a call for `key` is in flight; `joined` tells the caller which happened. */
  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const slot = this.slot(key);
    const existing = this.join(slot);
    if (existing) return { promise: existing, joined: true };
    const promise = fn();
    this.register(slot, promise);
    return { promise, joined: false };
  }

  /** Registers a promise made elsewhere (a load) in `slot`: released once it settles. */
  register(slot: Slot<T>, promise: Promise<T>): void {
    slot.entry = promise;
    const done = settled(slot, promise);
    promise.then(done, done);
  }

  /** Registers `promise` in `slot`; the caller calls `release(slot, promise)` once it settles (the hit path: no continuation). */
  hold(slot: Slot<T>, promise: Promise<T>): void {
    slot.entry = promise;
  }

  /**
   * Claims `slot`, which has nothing in flight, for `batch`: callers of its key join the batch once
   * it is started, and read their key's value from its result. One slot write per key and one
   * continuation per batch (`startBatch`), not a promise per key.
   */
  claim(slot: Slot<T>, batch: BatchEntry<T>): void {
    slot.entry = batch;
    batch.keys.push(slot.key);
    batch.slots.push(slot);
  }

  /** Starts a batch whose keys were claimed: its keys are released as `read` settles. */
  startBatch(batch: BatchEntry<T>, read: Promise<readonly T[]>): void {
    batch.started(read);
    const done = settledBatch(batch);
    read.then(done, done);
  }

  /** Releases the keys of a batch: once its read settled, or at once when it never starts (its getMany threw). */
  releaseBatch(batch: BatchEntry<T>): void {
    releaseAll(batch);
  }

  /** Later callers for `key` start afresh (after a write, so they never join an older read). */
  forget(key: string): void {
    const slot = this.slots.get(key);
    if (slot) slot.entry = undefined;
  }

  /** Later callers of every key start afresh; reads still in flight release slots no longer here. */
  forgetAll(): void {
    this.slots = new Map();
    this.sweepAt = SWEEP_AT;
  }

  /** Empties `slot` if it still holds `entry` (a read that settled). */
  release(slot: Slot<T>, entry: Entry<T>): void {
    empty(slot, entry);
  }

  private sweep(): void {
    for (const [key, slot] of this.slots) if (slot.entry === undefined) this.slots.delete(key);
    this.sweepAt = Math.max(SWEEP_AT, 2 * this.slots.size);
  }
}

/** Empties `slot` if it still holds `entry`: a later read (after a `forget`) keeps its own. */
function empty<T>(slot: Slot<T>, entry: Entry<T>): void {
  if (slot.entry === entry) slot.entry = undefined;
}

/** The cleanup of one registration (a plain closure: this is on every read's path). */
function settled<T>(slot: Slot<T>, promise: Promise<T>): () => void {
  return () => empty(slot, promise);
}

function settledBatch<T>(batch: BatchEntry<T>): () => void {
  return () => releaseAll(batch);
}

function releaseAll<T>(batch: BatchEntry<T>): void {
  for (const slot of batch.slots) empty(slot, batch);
}
