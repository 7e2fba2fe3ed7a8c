import type { CommandClient } from "./command-client.js";
import type { KeySpace, ResolvedKey } from "./key-space.js";
import { CONSUMER_GROUP } from "./keys.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import type { ScriptInput, ScriptReply } from "./scripts/define-script.js";
import { WRITE_LOOKUP } from "./scripts/read-scripts.js";
import type { ScriptBatcher } from "./scripts/script-batcher.js";
import { ENQUEUE, PENDING_VALUE, QUEUE_OP } from "./scripts/write-behind-queue-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";
import type { StoredValue } from "./stored-value.js";

/**
 * Write-behind, the repository's side: values queued (batched per tick), a queued value read, the
 * queue counted, calls on its streams bounded like a save. The worker has its own connection.
 */
export class WriteBehindCommands<TEntity, TKey> {
  private readonly enqueues: ScriptBatcher<ScriptInput<typeof ENQUEUE>, ScriptReply<typeof ENQUEUE>>;
  /** Index entries and tag sets of queued write-behind values (many saves in a tick: one script call per slot). */
  private readonly queuedLookups: ScriptBatcher<ScriptInput<typeof WRITE_LOOKUP>, ScriptReply<typeof WRITE_LOOKUP>>;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    private readonly scripts: SlotScripts,
    private readonly writeTimeoutMs: number,
  ) {
    this.enqueues = scripts.batched(ENQUEUE, { timeoutMs: writeTimeoutMs });
    this.queuedLookups = scripts.batched(WRITE_LOOKUP, { timeoutMs: writeTimeoutMs });
  }

  /**
   * Writes a value (or tombstone) and its queue entry, in the key's partition, together (batched
   * per tick); see the enqueue script. Once it is queued, its tag sets are joined and its index
   * entries written (no expiry): other slots. Joining after is safe here (a failure too):
   * invalidations keep a queued value, and the landing joins the sets before the value expires.
   */
  async enqueue(
    k: ResolvedKey<TKey>,
    entity: TEntity | undefined,
    write: { stored: StoredValue; version: string; keepPrevious: boolean; tagTtlMs: number; returnOld: boolean },
  ) {
    const r = await this.enqueues.run({
      value: k.valueKey,
      lease: k.leaseKey,
      pending: this.keys.pendingKeyOfEnc(k.enc),
      stream: this.keys.streamKeyOf(k.bucket),
      group: CONSUMER_GROUP,
      op: entity === undefined ? QUEUE_OP.delete : QUEUE_OP.save,
      payload: write.stored,
      version: write.version,
      encodedKey: k.enc,
      namespace: this.keys.definition.namespace,
      keepPrevious: write.keepPrevious,
      returnOld: write.returnOld,
    });
    if (r.ok && r.value.status === "queued" && entity !== undefined) {
      const member = k.valueKey;
      await Promise.all([
        ...this.keys
          .tagKeysOfEntity(entity)
          .map((set) => this.queuedLookups.run({ key: set, tag: true, member, ttl: write.tagTtlMs })),
        ...this.keys
          .indexKeysOfEntity(entity)
          .map((index) => this.queuedLookups.run({ key: index, tag: false, member: k.enc, ttl: 0 })),
      ]);
    }
    return r;
  }

  /** The value of `k` while its write is queued (null when none is). */
  queuedValue(k: ResolvedKey<TKey>): Promise<GuardResult<Buffer | null>> {
    return this.scripts.run("write-behind-pending-value", PENDING_VALUE, { value: k.valueKey });
  }

  /** Calls on the write-behind streams themselves (dead letters, WAIT), bounded like a save plus `extraMs`. */
  onStreams<T>(op: string, fn: (client: CommandClient) => Promise<T>, extraMs = 0): Promise<GuardResult<T>> {
    return this.guard.run(op, fn, this.writeTimeoutMs + extraMs);
  }

  /** Queue entries not yet acknowledged (queued or in flight), summed over the partitions and the layout-1 stream. */
  async queueLength(): Promise<GuardResult<number>> {
    const streams = [...this.keys.streamKeys, this.keys.legacyStreamKey];
    const replies = await Promise.all(streams.map((stream) => this.guard.run("xlen", (c) => c.call("XLEN", stream))));
    let total = 0;
    for (const r of replies) {
      if (!r.ok) return r;
      total += Number(r.value);
    }
    return { ok: true, value: total };
  }
}
