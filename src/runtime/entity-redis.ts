import type { CommandClient } from "./command-client.js";
import type { KeySpace, ResolvedKey } from "./key-space.js";
import { CONSUMER_GROUP } from "./keys.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { type ScriptInput, type ScriptReply } from "./scripts/define-script.js";
import { WRITE_LOOKUP } from "./scripts/read-scripts.js";
import type { ScriptBatcher } from "./scripts/script-batcher.js";
import { ENQUEUE, PENDING_VALUE, QUEUE_OP } from "./scripts/write-behind-scripts.js";
import { LeaseCommands } from "./lease-commands.js";
import { InvalidationCommands } from "./invalidation-commands.js";
import { ListCommands } from "./list-commands.js";
import { LookupCommands } from "./lookup-commands.js";
import { PrimeCommands } from "./prime-commands.js";
import { SlotScripts } from "./slot-scripts.js";
import { ValueCommands } from "./value-commands.js";
import { WriteThroughCommands } from "./write-through-commands.js";
import type { StoredValue } from "./stored-value.js";

/**
 * Every command one repository sends to Redis, named for what it does, over the guard (fail-open:
 * nothing here rejects; each call answers a GuardResult). Which keys go together in one command or
 * script call is decided here and in the KeySpace only: the keys of one entry share its bucket's
 * hash tag, index entries and tag sets carry their lookup value's, so on a Cluster a call of many
 * entries is split per slot (`slotGroups`), reads of many keys go per node, one MGET per slot
 * (cluster-reads.ts); on a standalone client it stays one call. A step that
 * spans slots is ordered so a crash between its calls leaves nothing stale: tag sets are joined
 * before a value is written, index entries written after it (a pointer is checked on read).
 *
 * Order: the writes batched per tick (writer marks, puts, enqueues) are sent before any other script, so
 * commands reach Redis in the order they were issued, only grouped.
 */
export class EntityRedis<TEntity, TKey> {
  readonly read: ValueCommands["read"];
  readonly readMany: ValueCommands["readMany"];
  readonly readOne: ValueCommands["readOne"];
  readonly discardIfUnchanged: ValueCommands["discardIfUnchanged"];
  readonly readIndex: LookupCommands<TEntity, TKey>["readIndex"];
  readonly writeIndexPointer: LookupCommands<TEntity, TKey>["writeIndexPointer"];
  readonly expireIndexEntries: LookupCommands<TEntity, TKey>["expireIndexEntries"];
  readonly acquire: LeaseCommands<TEntity, TKey>["acquire"];
  readonly fill: LeaseCommands<TEntity, TKey>["fill"];
  readonly release: LeaseCommands<TEntity, TKey>["release"];
  readonly prime: PrimeCommands<TEntity, TKey>["prime"];
  readonly readList: ListCommands["readList"];
  readonly fillList: ListCommands["fillList"];
  readonly dropListIfSame: ListCommands["dropListIfSame"];
  readonly dropLists: ListCommands["dropLists"];
  readonly revoke: InvalidationCommands<TEntity, TKey>["revoke"];
  readonly bumpEpochs: InvalidationCommands<TEntity, TKey>["bumpEpochs"];
  readonly revokeNamespaceStep: InvalidationCommands<TEntity, TKey>["revokeNamespaceStep"];
  readonly scanNodes: InvalidationCommands<TEntity, TKey>["scanNodes"];
  readonly tagMembers: InvalidationCommands<TEntity, TKey>["tagMembers"];
  readonly leaveTagSet: InvalidationCommands<TEntity, TKey>["leaveTagSet"];
  readonly drop: InvalidationCommands<TEntity, TKey>["drop"];
  readonly publish: InvalidationCommands<TEntity, TKey>["publish"];
  readonly markWriter: WriteThroughCommands<TEntity, TKey>["markWriter"];
  readonly unmarkWriter: WriteThroughCommands<TEntity, TKey>["unmarkWriter"];
  readonly put: WriteThroughCommands<TEntity, TKey>["put"];
  private readonly enqueues: ScriptBatcher<ScriptInput<typeof ENQUEUE>, ScriptReply<typeof ENQUEUE>>;
  /** Index entries and tag sets of queued write-behind values (many saves in a tick: one script call per slot). */
  private readonly queuedLookups: ScriptBatcher<ScriptInput<typeof WRITE_LOOKUP>, ScriptReply<typeof WRITE_LOOKUP>>;
  private readonly writeTimeoutMs: number;
  private readonly scripts: SlotScripts;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    bounds: { readonly leaseTtlMs: number; readonly writeTimeoutMs: number },
  ) {
    this.writeTimeoutMs = bounds.writeTimeoutMs;
    this.scripts = new SlotScripts(guard);
    const values = new ValueCommands(guard, this.scripts);
    this.read = values.read.bind(values);
    this.readMany = values.readMany.bind(values);
    this.readOne = values.readOne.bind(values);
    this.discardIfUnchanged = values.discardIfUnchanged.bind(values);
    const lookupEntries = new LookupCommands(guard, keys, this.scripts, values, bounds.writeTimeoutMs);
    this.readIndex = lookupEntries.readIndex.bind(lookupEntries);
    this.writeIndexPointer = lookupEntries.writeIndexPointer.bind(lookupEntries);
    this.expireIndexEntries = lookupEntries.expireIndexEntries.bind(lookupEntries);
    const leases = new LeaseCommands(keys, this.scripts, lookupEntries, bounds.leaseTtlMs);
    this.acquire = leases.acquire.bind(leases);
    this.fill = leases.fill.bind(leases);
    this.release = leases.release.bind(leases);
    const primes = new PrimeCommands(keys, this.scripts, lookupEntries);
    this.prime = primes.prime.bind(primes);
    const lists = new ListCommands(guard, this.scripts, bounds.leaseTtlMs);
    this.readList = lists.readList.bind(lists);
    this.fillList = lists.fillList.bind(lists);
    this.dropListIfSame = lists.dropListIfSame.bind(lists);
    this.dropLists = lists.dropLists.bind(lists);
    const invalidation = new InvalidationCommands(guard, keys, this.scripts);
    this.revoke = invalidation.revoke.bind(invalidation);
    this.bumpEpochs = invalidation.bumpEpochs.bind(invalidation);
    this.revokeNamespaceStep = invalidation.revokeNamespaceStep.bind(invalidation);
    this.scanNodes = invalidation.scanNodes.bind(invalidation);
    this.tagMembers = invalidation.tagMembers.bind(invalidation);
    this.leaveTagSet = invalidation.leaveTagSet.bind(invalidation);
    this.drop = invalidation.drop.bind(invalidation);
    this.publish = invalidation.publish.bind(invalidation);
    const writeThrough = new WriteThroughCommands(guard, keys, this.scripts);
    this.markWriter = writeThrough.markWriter.bind(writeThrough);
    this.unmarkWriter = writeThrough.unmarkWriter.bind(writeThrough);
    this.put = writeThrough.put.bind(writeThrough);
    this.enqueues = this.scripts.batched(ENQUEUE, { timeoutMs: bounds.writeTimeoutMs });
    this.queuedLookups = this.scripts.batched(WRITE_LOOKUP, { timeoutMs: bounds.writeTimeoutMs });
  }

  // ------------------------------------------------------------------------------------ write-behind

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
