import { chunkSize } from "./chunking.js";
import { readAcrossNodes } from "./cluster-reads.js";
import { VALUE_READ, type GuardFailure, type GuardResult, type RedisGuard } from "./redis-guard.js";
import { isWrongTypeReply } from "./replies.js";

/**
 * Where one key's read result goes: the stored bytes (null when absent), or why Redis was not read
 * (`failure`, then `value` is null). No object per key: this is every get's path.
 */
export type ReadCallback = (value: Buffer | null, failure: GuardFailure | undefined) => void;

/** No MGET has more keys than this, so one reply stays a bounded size. */
export const MAX_BATCH = 512;

/**
 * Read batching for the value GETs of ONE repository (DataLoader-style).
 *
 * Every `read(key)` issued while the current microtask queue drains joins one batch, flushed right
 * after it: a batch of one key is sent as a plain `GET` (a lone request waits for nothing and costs
 * exactly the command it did before), more as MGETs: one up to MIN_CHUNK keys, else a few sent
 * together (`chunkSize`: Redis answers the later ones while the client decodes the first). Each
 * caller gets its own result, through a callback (no promise per key: the repository makes the one
 * promise its caller sees); a failed or timed-out `MGET` fails open for every key in it (each
 * caller falls back to the source on its own, exactly as it would after a failed `GET`).
 *
 * On a Cluster the batch is split by node (`readAcrossNodes`: per node one pipeline of an MGET
 * per slot, every node at once), so an MGET never spans slots (no CROSSSLOT).
 *
 * Why per repository: batching across repositories would only help a client that reads several
 * entity types in the same tick, at the price of mixing repositories' error accounting (each
 * repository reports its own `redis-error` events); not worth it.
 *
 * Scheduling: the flush is queued as a microtask that queues a `process.nextTick`, so it runs once
 * the whole current microtask queue (every promise continuation that is ready now, possibly
 * several hops deep) has run: the reads those continuations issue still join the batch. No timer
 * is involved, so nothing waits for the clock.
 */
export class GetBatcher {
  private keys: string[] = [];
  private callbacks: ReadCallback[] = [];
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();
  private readonly scheduleFlush = (): void => process.nextTick(this.flushNow);

  constructor(private readonly guard: RedisGuard) {}

  /** Reads `key` in the next flush and calls `done` with its outcome. Never throws. */
  read(key: string, done: ReadCallback): void {
    if (!this.scheduled) {
      this.scheduled = true;
      void RESOLVED.then(this.scheduleFlush);
    }
    this.keys.push(key);
    this.callbacks.push(done);
  }

  /** Keys waiting for the next flush (for tests and diagnostics). */
  get pending(): number {
    return this.keys.length;
  }

  private flush(): void {
    const keys = this.keys;
    const callbacks = this.callbacks;
    this.keys = [];
    this.callbacks = [];
    this.scheduled = false;
    if (keys.length === 1) {
      const done = callbacks[0]!;
      this.guard.call(
        VALUE_READ,
        (c) => c.getBuffer(keys[0]!),
        (r) => {
          const read = readAsValue(r);
          if (read.ok) done(read.value, undefined);
          else done(null, read);
        },
      );
      return;
    }
    if (readAcrossNodes(this.guard, keys, MAX_BATCH, (i, value, failure) => callbacks[i]!(value, failure))) return;
    const size = chunkSize(keys.length, MAX_BATCH);
    for (let start = 0; start < keys.length; start += size) {
      const end = Math.min(keys.length, start + size);
      const chunk = start === 0 && end === keys.length ? keys : keys.slice(start, end);
      this.guard.call(
        "mget",
        (c) => c.mgetBuffer(chunk),
        (r) => answer(r, callbacks, start, end),
      );
    }
  }
}

/**
 * A value GET's outcome, where a key of another type than a string reads as absent, as MGET reads
 * it: the miss's lease script deletes that key (see `stored_at`).
 */
export function readAsValue(r: GuardResult<Buffer | null>): GuardResult<Buffer | null> {
  return r.ok || !isWrongTypeReply(r.error) ? r : ABSENT;
}

const ABSENT: GuardResult<Buffer | null> = { ok: true, value: null };

/** Hands each caller of positions [start, end) its value of one MGET reply. */
function answer(
  r: GuardResult<(Buffer | null)[]>,
  callbacks: readonly ReadCallback[],
  start: number,
  end: number,
): void {
  if (!r.ok) {
    for (let i = start; i < end; i++) callbacks[i]!(null, r);
    return;
  }
  const values = r.value;
  for (let i = start; i < end; i++) callbacks[i]!(values[i - start] ?? null, undefined);
}

const RESOLVED = Promise.resolve();
