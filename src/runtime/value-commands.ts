import { createHash } from "node:crypto";
import { GetBatcher, MAX_BATCH, readAsValue, type ReadCallback } from "./batcher.js";
import { readAcrossNodes } from "./cluster-reads.js";
import { VALUE_READ, type GuardFailure, type GuardResult, type RedisGuard } from "./redis-guard.js";
import { DELETE_IF_SAME } from "./scripts/read-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";

/**
 * Reads of values: batched per tick (`read`), a getMany's own MGETs (per node on a Cluster), one
 * value now; and the delete of a value found invalid.
 */
export class ValueCommands {
  private readonly reads: GetBatcher;

  constructor(
    private readonly guard: RedisGuard,
    private readonly scripts: SlotScripts,
  ) {
    this.reads = new GetBatcher(guard);
  }

  /** Reads one value in this tick's batch (GET, or MGETs with other reads); answers through `done`. */
  read(valueKey: string, done: ReadCallback): void {
    this.reads.read(valueKey, done);
  }

  /**
   * Reads values now, in MGETs of their own (a getMany is a batch already; merged with the tick's
   * other reads, replies grew large enough to slow ioredis' parser). `done` gets each MGET's reply
   * with the positions of its keys (`count` from `from`), as the reply comes (so the next call's
   * time at Redis starts once it is handled); resolves once every reply was handed over, rejects
   * with what `done` threw. Takes `valueKeys` over (a single MGET sends the array itself).
   */
  readMany(
    valueKeys: string[],
    done: (from: number, count: number, reply: GuardResult<(Buffer | null)[]>) => void,
  ): Promise<void> {
    if (this.scripts.clustered) return this.readManyAcrossNodes(valueKeys, done);
    return new Promise<void>((resolve, reject) => {
      let left = Math.ceil(valueKeys.length / MAX_BATCH);
      let thrown: { error: unknown } | undefined;
      for (let from = 0; from < valueKeys.length; from += MAX_BATCH) {
        const chunk = valueKeys.length <= MAX_BATCH ? valueKeys : valueKeys.slice(from, from + MAX_BATCH);
        this.guard.call(
          "mget",
          (c) => c.mgetBuffer(chunk),
          (reply) => {
            try {
              if (!thrown) done(from, chunk.length, reply);
            } catch (error) {
              thrown = { error };
            }
            if (--left > 0) return;
            if (thrown) reject(thrown.error);
            else resolve();
          },
        );
      }
      if (left === 0) resolve();
    });
  }

  /**
   * `readMany` on a Cluster: one call per node, all sent together (see `readAcrossNodes`); once
   * every node answered, `done` gets each run of positions with the same outcome (all of them in
   * one call when every node answered).
   */
  private readManyAcrossNodes(
    valueKeys: string[],
    done: (from: number, count: number, reply: GuardResult<(Buffer | null)[]>) => void,
  ): Promise<void> {
    const values = new Array<Buffer | null>(valueKeys.length);
    const failures = new Array<GuardFailure | undefined>(valueKeys.length);
    return new Promise<void>((resolve, reject) => {
      readAcrossNodes(
        this.guard,
        valueKeys,
        MAX_BATCH,
        (i, value, failure) => {
          values[i] = value;
          failures[i] = failure;
        },
        () => {
          try {
            for (let from = 0; from < valueKeys.length;) {
              const failure = failures[from];
              let to = from + 1;
              while (to < valueKeys.length && failures[to] === failure) to++;
              done(
                from,
                to - from,
                failure ?? { ok: true, value: from === 0 && to === values.length ? values : values.slice(from, to) },
              );
              from = to;
            }
            resolve();
          } catch (error) {
            reject(error);
          }
        },
      );
    });
  }

  /** One value, now (a lease waiter's poll). */
  readOne(valueKey: string): Promise<GuardResult<Buffer | null>> {
    return this.guard.run(VALUE_READ, (c) => c.getBuffer(valueKey)).then(readAsValue);
  }

  /** Deletes an invalid value unless it changed since it was read (UNLINK when oversized: not worth hashing). */
  discardIfUnchanged(valueKey: string, raw: Buffer, oversized: boolean): Promise<GuardResult<unknown>> {
    if (oversized) return this.guard.run("unlink", (c) => c.call("UNLINK", valueKey));
    return this.scripts.run("delete-invalid", DELETE_IF_SAME, {
      value: valueKey,
      sha: createHash("sha1").update(raw).digest("hex"),
    });
  }
}
