import type { GuardResult, RedisGuard } from "./redis-guard.js";

/** What one key's read returns: the stored bytes (null when absent), or why Redis was not read. */
export type ReadResult = GuardResult<Buffer | null>;

/** MGETs are split above this many keys, so one reply stays a bounded size. */
export const MAX_BATCH = 512;

/**
 * Read batching for the value GETs of ONE repository (DataLoader-style).
 *
 * Every `get(key)` issued while the current microtask queue drains joins one batch, flushed right
 * after it: a batch of one key is sent as a plain `GET` (a lone request waits for nothing and costs
 * exactly the command it did before), two or more as one `MGET`. Each caller gets its own result;
 * a failed or timed-out `MGET` fails open for every key in it (each caller falls back to the source
 * on its own, exactly as it would after a failed `GET`).
 *
 * Why per repository: every key of one entity carries the hash tag `{<Entity>}`, so one
 * repository's batch is always one cluster slot, and an `MGET` of it can never be CROSSSLOT. Keys
 * of different entities are in different slots on a Cluster, so batching across repositories
 * would only help a standalone client that reads several entity types in the same tick, at the
 * price of slot bookkeeping and of mixing repositories' error accounting (each repository reports
 * its own `redis-error` events); not worth it.
 *
 * Scheduling: the flush is queued as a microtask that queues a `process.nextTick`, so it runs once
 * the whole current microtask queue (every promise continuation that is ready now, possibly
 * several hops deep) has run: the gets those continuations issue still join the batch. No timer is
 * involved, so nothing waits for the clock.
 */
export class GetBatcher {
  private keys: string[] = [];
  private waiters: ((result: ReadResult) => void)[] = [];
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();
  private readonly scheduleFlush = (): void => process.nextTick(this.flushNow);

  constructor(
    private readonly guard: RedisGuard,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** The stored bytes of `key` (null when absent); never rejects. */
  get(key: string): Promise<ReadResult> {
    if (!this.scheduled) {
      this.scheduled = true;
      void RESOLVED.then(this.scheduleFlush);
    }
    this.keys.push(key);
    return new Promise<ReadResult>((resolve) => {
      this.waiters.push(resolve);
    });
  }

  /** Keys waiting for the next flush (for tests and diagnostics). */
  get pending(): number {
    return this.keys.length;
  }

  private flush(): void {
    const keys = this.keys;
    const waiters = this.waiters;
    this.keys = [];
    this.waiters = [];
    this.scheduled = false;
    if (keys.length === 1) {
      void this.guard.run("get", (c) => c.getBuffer(keys[0]!)).then(waiters[0]);
      return;
    }
    for (let start = 0; start < keys.length; start += this.maxBatch) {
      const end = Math.min(keys.length, start + this.maxBatch);
      const chunk = start === 0 && end === keys.length ? keys : keys.slice(start, end);
      void this.guard.run("mget", (c) => c.mgetBuffer(chunk)).then((r) => {
        if (!r.ok) {
          for (let i = start; i < end; i++) waiters[i]!(r);
          return;
        }
        const values = r.value;
        for (let i = start; i < end; i++) waiters[i]!({ ok: true, value: values[i - start] ?? null });
      });
    }
  }
}

const RESOLVED = Promise.resolve();
