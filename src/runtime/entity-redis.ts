import type { CommandClient } from "./command-client.js";
import type { KeySpace, ResolvedKey } from "./key-space.js";
import { CONSUMER_GROUP } from "./keys.js";
import { L1Cache } from "./l1.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { runScript, type ScriptInput, type ScriptReply } from "./scripts/define-script.js";
import { WRITE_LOOKUP } from "./scripts/read-scripts.js";
import { type ScriptBatcher, unexpected } from "./scripts/script-batcher.js";
import { ENQUEUE, PENDING_VALUE, QUEUE_OP } from "./scripts/write-behind-scripts.js";
import { escapeGlob } from "./key-encoding.js";
import { BUMP_EPOCHS, INVALIDATE, INVALIDATE_NAMESPACE, MARK_WRITER, PUT } from "./scripts/write-scripts.js";
import { slotGroups } from "./slot-groups.js";
import { LeaseCommands } from "./lease-commands.js";
import { ListCommands } from "./list-commands.js";
import { LookupCommands } from "./lookup-commands.js";
import { PrimeCommands } from "./prime-commands.js";
import { SlotScripts } from "./slot-scripts.js";
import { ValueCommands } from "./value-commands.js";
import type { StoredValue } from "./stored-value.js";

/** A write-through writer registration lives this long at most (a writer that died leaves no mark behind). */
const WRITERS_TTL_MS = 60_000;
/** A tag epoch expires this long after its last bump (far longer than any lease). */
const EPOCH_TTL_MS = 24 * 60 * 60 * 1000;
/** Keys one step of a namespace revocation scans (each step is one short script). */
const NAMESPACE_SCAN_COUNT = 500;

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
  private readonly marks: ScriptBatcher<ScriptInput<typeof MARK_WRITER>, ScriptReply<typeof MARK_WRITER>>;
  private readonly puts: ScriptBatcher<ScriptInput<typeof PUT>, ScriptReply<typeof PUT>>;
  private readonly enqueues: ScriptBatcher<ScriptInput<typeof ENQUEUE>, ScriptReply<typeof ENQUEUE>>;
  /** Index entries and tag sets of write-through values (many saves in a tick: one script call per slot). */
  private readonly lookups: ScriptBatcher<ScriptInput<typeof WRITE_LOOKUP>, ScriptReply<typeof WRITE_LOOKUP>>;
  /** Index entries and tag sets of queued write-behind values (many saves in a tick: one script call per slot). */
  private readonly queuedLookups: ScriptBatcher<ScriptInput<typeof WRITE_LOOKUP>, ScriptReply<typeof WRITE_LOOKUP>>;
  private readonly writeTimeoutMs: number;
  /** On a Cluster: calls of many keys are split per slot. */
  private readonly clustered: boolean;
  private readonly scripts: SlotScripts;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    bounds: { readonly leaseTtlMs: number; readonly writeTimeoutMs: number },
  ) {
    this.writeTimeoutMs = bounds.writeTimeoutMs;
    this.scripts = new SlotScripts(guard);
    this.clustered = this.scripts.clustered;
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
    this.marks = this.scripts.batched(MARK_WRITER);
    this.puts = this.scripts.batched(PUT);
    this.enqueues = this.scripts.batched(ENQUEUE, { timeoutMs: bounds.writeTimeoutMs });
    this.queuedLookups = this.scripts.batched(WRITE_LOOKUP, { timeoutMs: bounds.writeTimeoutMs });
    this.lookups = this.scripts.batched(WRITE_LOOKUP);
  }

  // ------------------------------------------------------------------------------------ invalidation

  /**
   * Deletes values with their leases (revoking fills in flight), marks their write-through writers
   * in flight as overlapped, then deletes `indexEntries`. `ks` may be keys of another entity (what
   * `invalidates` names, in `space`): `op` says which. Answers the values deleted. `soft`: values
   * are marked stale instead of deleted (see the invalidate script).
   */
  async revoke(
    ks: readonly Pick<ResolvedKey<unknown>, "enc" | "valueKey" | "leaseKey">[],
    indexEntries: readonly string[],
    op = "invalidate",
    space: KeySpace<unknown, unknown> = this.keys as KeySpace<unknown, unknown>,
    soft = false,
  ): Promise<GuardResult<(Buffer | undefined)[]>> {
    const markWriters = space.definition.strategy === "write-through";
    const r = await this.scripts.runPerEntry(
      op,
      INVALIDATE,
      ks.map((k) => ({ value: k.valueKey, lease: k.leaseKey, writers: space.writersKeyOfEnc(k.enc) })),
      (e) => e.value,
      (group) => ({ entries: group, markWriters, soft }),
    );
    if (!r.ok || !indexEntries.length) return r;
    const dropped = await this.drop(indexEntries);
    return dropped.ok ? r : dropped;
  }

  /** Bumps the tag epoch of every bucket of `space` (revoking every fill in flight of the entity). */
  bumpEpochs(
    space: KeySpace<unknown, unknown> = this.keys as KeySpace<unknown, unknown>,
  ): Promise<GuardResult<unknown>> {
    const startEpoch = String(Date.now() * 1000);
    return this.scripts.runPerSlot(
      "bump-epochs",
      BUMP_EPOCHS,
      space.epochKeys,
      (epoch) => epoch,
      (group) => ({ epochs: group, startEpoch, epochTtlMs: EPOCH_TTL_MS }),
    );
  }

  /**
   * One step of revoking every entry of `space`'s namespace on one node (see the
   * invalidate-namespace script; the caller bumped the epochs first): `cursor` "0" starts; answers
   * the next cursor ("0": done) and the value keys deleted. `node`: a master of a Cluster
   * (`masters()`), the client itself on a standalone Redis.
   */
  revokeNamespaceStep(
    space: KeySpace<unknown, unknown>,
    node: CommandClient | undefined,
    cursor: string,
  ): Promise<GuardResult<{ readonly cursor: string; readonly dropped: string[] }>> {
    const input = {
      markWriters: space.definition.strategy === "write-through",
      cursor,
      match: `${escapeGlob(space.base)}*`,
      count: NAMESPACE_SCAN_COUNT,
      base: space.base,
    };
    if (!node) return this.scripts.run("invalidate-namespace", INVALIDATE_NAMESPACE, input);
    const { keys, args } = INVALIDATE_NAMESPACE.encode(input);
    return this.guard
      .run("invalidate-namespace", () => runScript(node, INVALIDATE_NAMESPACE, keys, args))
      .then((r) => {
        if (!r.ok) return r;
        const value = INVALIDATE_NAMESPACE.decode(r.value);
        return value === undefined ? unexpected(INVALIDATE_NAMESPACE) : { ok: true, value };
      });
  }

  /** The nodes a namespace revocation scans: each master of a Cluster, or [undefined] (the client itself). */
  scanNodes(): (CommandClient | undefined)[] {
    const client = this.guard.client as CommandClient & { nodes?: (role: string) => CommandClient[] };
    return this.clustered && client.nodes ? client.nodes("master") : [undefined];
  }

  /** The members of tag sets (value keys, untrusted: the caller checks them). */
  async tagMembers(setKeys: readonly string[]): Promise<GuardResult<string[][]>> {
    const replies = await Promise.all(
      setKeys.map((set) => this.guard.run("tag-members", (c) => c.call("SMEMBERS", set))),
    );
    const failed = replies.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    return {
      ok: true,
      value: replies.map((r) => (r.ok && Array.isArray(r.value) ? (r.value as unknown[]).map(String) : [])),
    };
  }

  /** Removes members from a tag set (those an invalidateTag revoked; members added since stay). */
  leaveTagSet(setKey: string, members: readonly string[]): Promise<GuardResult<unknown>> {
    if (!members.length) return Promise.resolve({ ok: true, value: 0 });
    return this.guard.run("tag-leave", (c) => c.call("SREM", setKey, ...members));
  }

  /** Deletes keys that hold no lease (stale index entries): one DEL per slot on a Cluster. */
  async drop(keys: readonly string[]): Promise<GuardResult<unknown>> {
    const replies = await Promise.all(
      slotGroups(this.clustered, keys, (key) => key).map((group) =>
        this.guard.run("del", (c) => c.call("DEL", ...group.map((i) => keys[i]!))),
      ),
    );
    return replies.find((r) => !r.ok) ?? { ok: true, value: replies.length };
  }

  /** Tells the L1 tiers listening on `channel` (this entity's, or a target's) to forget these values. */
  publish(channel: string, valueKeys: readonly string[]): Promise<GuardResult<number>> {
    return this.guard.run("publish", (c) => c.publish(channel, L1Cache.message(valueKeys)));
  }

  // ------------------------------------------------------------------------------------ write-through

  /** Registers a writer of `k` in flight, before its source write (see `put`); answers the tag epoch now. */
  markWriter(k: ResolvedKey<TKey>, writer: string): Promise<GuardResult<string>> {
    return this.marks.run({
      writers: this.keys.writersKeyOfEnc(k.enc),
      epoch: this.keys.epochKeyOf(k.bucket),
      writer,
      ttlMs: WRITERS_TTL_MS,
    });
  }

  unmarkWriter(k: ResolvedKey<TKey>, writer: string): Promise<GuardResult<unknown>> {
    return this.guard.run("unmark-writer", (c) => c.call("SREM", this.keys.writersKeyOfEnc(k.enc), writer));
  }

  /**
   * Writes a value the source just took, or revokes it when it cannot tell (batched per tick); see
   * the put script. Its tag sets are joined first (a failure there writes nothing: answered as a
   * failed put, which the caller revokes later), its index entries written once it was.
   */
  async put(
    k: ResolvedKey<TKey>,
    entity: TEntity,
    value: {
      stored: StoredValue;
      pttl: number;
      version: string;
      writer: string;
      writerEpoch: string;
      proven: boolean;
      returnOld: boolean;
    },
  ) {
    const joined = await Promise.all(
      this.keys
        .tagKeysOfEntity(entity)
        .map((set) => this.lookups.run({ key: set, tag: true, member: k.valueKey, ttl: value.pttl })),
    );
    const failed = joined.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    const r = await this.puts.run({
      value: k.valueKey,
      lease: k.leaseKey,
      writers: this.keys.writersKeyOfEnc(k.enc),
      epoch: this.keys.epochKeyOf(k.bucket),
      payload: value.stored,
      pttl: value.pttl,
      version: value.version,
      writer: value.writer,
      writerEpoch: value.writerEpoch,
      proven: value.proven,
      returnOld: value.returnOld,
    });
    if (r.ok && r.value.status === "written") {
      await Promise.all(
        this.keys
          .indexKeysOfEntity(entity)
          .map((index) => this.lookups.run({ key: index, tag: false, member: k.enc, ttl: value.pttl })),
      );
    }
    return r;
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
