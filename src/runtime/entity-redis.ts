import { createHash } from "node:crypto";
import { GetBatcher, MAX_BATCH, type ReadCallback } from "./batcher.js";
import type { CommandClient } from "./command-client.js";
import type { KeySpace, ResolvedKey } from "./key-space.js";
import { CONSUMER_GROUP } from "./keys.js";
import { L1Cache } from "./l1.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { runScript, type ScriptInput, type ScriptReply, type TypedScript } from "./scripts/define-script.js";
import {
  ACQUIRE,
  DELETE_IF_SAME,
  FILL,
  INDEX_GET,
  RELEASE,
  type LeaseMode,
  type LeaseOutcome,
} from "./scripts/read-scripts.js";
import { LIST_DROP_IF_SAME, LIST_FILL, LIST_READ } from "./scripts/list-scripts.js";
import { PRIME, type PrimeOutcome } from "./scripts/prime-scripts.js";
import { ScriptBatcher, unexpected } from "./scripts/script-batcher.js";
import { ENQUEUE, PENDING_VALUE, QUEUE_OP } from "./scripts/write-behind-scripts.js";
import { escapeGlob } from "./key-encoding.js";
import { INVALIDATE, INVALIDATE_NAMESPACE, INVALIDATE_TAG, MARK_WRITER, PUT } from "./scripts/write-scripts.js";
import type { StoredValue } from "./stored-value.js";

/** A write-through writer registration lives this long at most (a writer that died leaves no mark behind). */
const WRITERS_TTL_MS = 60_000;
/** A tag epoch expires this long after its last bump (far longer than any lease). */
const EPOCH_TTL_MS = 24 * 60 * 60 * 1000;
/** Keys one step of a namespace revocation scans (each step is one short script). */
const NAMESPACE_SCAN_COUNT = 500;

/** A value loaded under a lease, ready to fill: `stored` "" deletes the value (not-found, not remembered). */
export interface FillEntry<TEntity, TKey> {
  readonly k: ResolvedKey<TKey>;
  readonly token: string;
  readonly stored: StoredValue;
  readonly pttl: number;
  /** The value, for its index entries and tag sets (undefined for a not-found). */
  readonly entity: TEntity | undefined;
}

/**
 * Every command one repository sends to Redis, named for what it does, over the guard (fail-open:
 * nothing here rejects; each call answers a GuardResult). Which keys go together in one command or
 * script call is decided here and in the KeySpace only: today every key of an entity shares one
 * hash tag, so one call may hold keys of many entries.
 *
 * Order: the writes batched per tick (writer marks, puts, enqueues) are sent before any other script, so
 * commands reach Redis in the order they were issued, only grouped.
 */
export class EntityRedis<TEntity, TKey> {
  private readonly reads: GetBatcher;
  private readonly marks: ScriptBatcher<ScriptInput<typeof MARK_WRITER>, ScriptReply<typeof MARK_WRITER>>;
  private readonly puts: ScriptBatcher<ScriptInput<typeof PUT>, ScriptReply<typeof PUT>>;
  private readonly enqueues: ScriptBatcher<ScriptInput<typeof ENQUEUE>, ScriptReply<typeof ENQUEUE>>;
  private readonly leaseTtlMs: number;
  private readonly writeTimeoutMs: number;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    bounds: { readonly leaseTtlMs: number; readonly writeTimeoutMs: number },
  ) {
    this.leaseTtlMs = bounds.leaseTtlMs;
    this.writeTimeoutMs = bounds.writeTimeoutMs;
    this.reads = new GetBatcher(guard);
    this.marks = new ScriptBatcher(guard, MARK_WRITER);
    this.puts = new ScriptBatcher(guard, PUT);
    this.enqueues = new ScriptBatcher(guard, ENQUEUE, { timeoutMs: bounds.writeTimeoutMs });
  }

  // ------------------------------------------------------------------------------------ values

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

  /** One value, now (a lease waiter's poll). */
  readOne(valueKey: string): Promise<GuardResult<Buffer | null>> {
    return this.guard.run("get", (c) => c.getBuffer(valueKey));
  }

  /** Deletes an invalid value unless it changed since it was read (UNLINK when oversized: not worth hashing). */
  discardIfUnchanged(valueKey: string, raw: Buffer, oversized: boolean): Promise<GuardResult<unknown>> {
    if (oversized) return this.guard.run("unlink", (c) => c.call("UNLINK", valueKey));
    return this.run("delete-invalid", DELETE_IF_SAME, {
      value: valueKey,
      sha: createHash("sha1").update(raw).digest("hex"),
    });
  }

  // ------------------------------------------------------------------------------------ leases

  /** Asks for the leases of `ks` under `tokens` (one per key). */
  acquire(
    ks: readonly ResolvedKey<TKey>[],
    tokens: readonly string[],
    mode: LeaseMode,
  ): Promise<GuardResult<LeaseOutcome[]>> {
    const entries = ks.map((k, i) => ({ value: k.valueKey, lease: k.leaseKey, token: tokens[i]! }));
    return this.run("acquire", ACQUIRE, { epoch: this.keys.epochKey, leaseTtlMs: this.leaseTtlMs, mode, entries });
  }

  /** Writes values loaded under leases; answers per entry whether its lease still held (else nothing was written). */
  fill(entries: readonly FillEntry<TEntity, TKey>[]): Promise<GuardResult<boolean[]>> {
    return this.run("fill", FILL, {
      epoch: this.keys.epochKey,
      entries: entries.map(({ k, token, stored, pttl, entity }) => ({
        value: k.valueKey,
        lease: k.leaseKey,
        indexes: entity === undefined ? [] : this.keys.indexKeysOfEntity(entity),
        tags: entity === undefined ? [] : this.keys.tagKeysOfEntity(entity),
        token,
        payload: stored,
        pttl,
        pointer: entity === undefined ? "" : k.enc,
      })),
    });
  }

  /** Gives up a lease this token still holds. */
  release(k: ResolvedKey<TKey>, token: string): Promise<GuardResult<boolean>> {
    return this.run("release", RELEASE, { lease: k.leaseKey, token });
  }

  // ------------------------------------------------------------------------------------ indexes

  /** An index entry and the value it points to (null: no entry). */
  readIndex(
    indexKey: string,
  ): Promise<GuardResult<{ readonly pointer: string; readonly stored: Buffer | undefined } | null>> {
    return this.run("index-get", INDEX_GET, { index: indexKey, valuePrefix: this.keys.valuePrefix });
  }

  /** Writes an index entry only (its value was not loaded under a lease, so it is not filled). */
  writeIndexPointer(indexKey: string, enc: string, pttl: number): Promise<GuardResult<unknown>> {
    return this.guard.run("index-set", (c) => c.call("SET", indexKey, enc, "PX", pttl));
  }

  // ------------------------------------------------------------------------------------ warm-up

  /**
   * Writes values the application holds where a fill would (see the prime script); answers per
   * entry. One script per hash tag of the values (a cluster slot group), sent together; a failure
   * of any is the answer (the others may have primed: priming again is harmless).
   */
  async prime(
    entries: readonly { k: ResolvedKey<TKey>; entity: TEntity; stored: StoredValue; pttl: number; version: string }[],
  ): Promise<GuardResult<PrimeOutcome[]>> {
    const groups = new Map<string, number[]>();
    entries.forEach(({ k }, i) => {
      const tag = hashTagOf(k.valueKey);
      const group = groups.get(tag);
      if (group) group.push(i);
      else groups.set(tag, [i]);
    });
    const outcomes = new Array<PrimeOutcome>(entries.length);
    const replies = await Promise.all(
      [...groups.values()].map(async (at) => {
        const r = await this.primeGroup(at.map((i) => entries[i]!));
        if (r.ok) r.value.forEach((outcome, j) => (outcomes[at[j]!] = outcome));
        return r;
      }),
    );
    return replies.find((r) => !r.ok) ?? { ok: true, value: outcomes };
  }

  private primeGroup(
    entries: readonly { k: ResolvedKey<TKey>; entity: TEntity; stored: StoredValue; pttl: number; version: string }[],
  ): Promise<GuardResult<PrimeOutcome[]>> {
    return this.run("prime", PRIME, {
      entries: entries.map(({ k, entity, stored, pttl, version }) => ({
        value: k.valueKey,
        lease: k.leaseKey,
        writers: this.keys.writersKeyOfEnc(k.enc),
        indexes: this.keys.indexKeysOfEntity(entity),
        tags: this.keys.tagKeysOfEntity(entity),
        payload: stored,
        pttl,
        version,
        pointer: k.enc,
      })),
    });
  }

  // ------------------------------------------------------------------------------------ lists

  /** A list's members or another reader's lease, as stored; null when it was absent and `lease` now holds it. */
  readList(listKey: string, lease: string): Promise<GuardResult<string | null>> {
    return this.run("list-read", LIST_READ, { list: listKey, lease, leaseTtlMs: this.leaseTtlMs });
  }

  /** Writes a list's members while `lease` still holds its key; answers whether it did. */
  fillList(listKey: string, lease: string, members: string, pttl: number): Promise<GuardResult<boolean>> {
    return this.run("list-fill", LIST_FILL, { list: listKey, lease, members, pttl });
  }

  /** Deletes a list key still holding exactly `expected` (a lease given back, members found stale). */
  dropListIfSame(listKey: string, expected: string): Promise<GuardResult<boolean>> {
    return this.run("list-drop", LIST_DROP_IF_SAME, { list: listKey, expected });
  }

  /** Deletes list keys (their members and any fill's lease), one DEL per key: each may live in a slot of its own. */
  async dropLists(listKeys: readonly string[]): Promise<boolean> {
    const results = await Promise.all(listKeys.map((key) => this.guard.run("list-del", (c) => c.call("DEL", key))));
    return results.every((r) => r.ok);
  }

  // ------------------------------------------------------------------------------------ invalidation

  /**
   * Deletes values with their leases (revoking fills in flight), marks their write-through writers
   * in flight as overlapped, and deletes `indexEntries`. `ks` may be keys of another entity (what
   * `invalidates` names, in `space`): `op` says which. Answers the values deleted. `soft`: values
   * are marked stale instead of deleted (see the invalidate script).
   */
  revoke(
    ks: readonly ResolvedKey<unknown>[],
    indexEntries: readonly string[],
    op = "invalidate",
    space: KeySpace<unknown, unknown> = this.keys as KeySpace<unknown, unknown>,
    soft = false,
  ): Promise<GuardResult<(Buffer | undefined)[]>> {
    return this.run(op, INVALIDATE, {
      entries: ks.map((k) => ({ value: k.valueKey, lease: k.leaseKey, writers: space.writersKeyOfEnc(k.enc) })),
      indexEntries,
      markWriters: space.definition.strategy === "write-through",
      soft,
    });
  }

  /**
   * One step of revoking every entry of `space`'s namespace (see the invalidate-namespace script):
   * `cursor` "0" starts (and bumps the tag epoch); answers the next cursor ("0": done) and the value
   * keys deleted.
   */
  revokeNamespaceStep(
    space: KeySpace<unknown, unknown>,
    cursor: string,
  ): Promise<GuardResult<{ readonly cursor: string; readonly dropped: string[] }>> {
    return this.run("invalidate-namespace", INVALIDATE_NAMESPACE, {
      epoch: space.epochKey,
      bump: cursor === "0",
      markWriters: space.definition.strategy === "write-through",
      startEpoch: String(Date.now() * 1000),
      epochTtlMs: EPOCH_TTL_MS,
      cursor,
      match: `${escapeGlob(space.base)}*`,
      count: NAMESPACE_SCAN_COUNT,
      base: space.base,
      valuePrefix: space.valuePrefix,
      writersPrefix: space.writersKeyOfEnc(""),
      pendingPrefix: space.pendingKeyOfEnc(""),
    });
  }

  /** Bumps the tag epoch (revoking every fill in flight) and deletes the tag sets' members with their leases (`soft`: marks them stale); answers the value keys touched. */
  revokeTags(setKeys: readonly string[], soft = false): Promise<GuardResult<string[]>> {
    return this.run("invalidate-tag", INVALIDATE_TAG, {
      soft,
      epoch: this.keys.epochKey,
      sets: setKeys,
      valuePrefix: this.keys.valuePrefix,
      leasePrefix: this.keys.leasePrefix,
      startEpoch: String(Date.now() * 1000),
      epochTtlMs: EPOCH_TTL_MS,
    });
  }

  /** Deletes keys that hold no lease (stale index entries). */
  drop(keys: readonly string[]): Promise<GuardResult<unknown>> {
    return this.guard.run("del", (c) => c.call("DEL", ...keys));
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
      epoch: this.keys.epochKey,
      writer,
      ttlMs: WRITERS_TTL_MS,
    });
  }

  unmarkWriter(k: ResolvedKey<TKey>, writer: string): Promise<GuardResult<unknown>> {
    return this.guard.run("unmark-writer", (c) => c.call("SREM", this.keys.writersKeyOfEnc(k.enc), writer));
  }

  /** Writes a value the source just took, or revokes it when it cannot tell (batched per tick); see the put script. */
  put(
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
    return this.puts.run({
      value: k.valueKey,
      lease: k.leaseKey,
      writers: this.keys.writersKeyOfEnc(k.enc),
      epoch: this.keys.epochKey,
      indexes: this.keys.indexKeysOfEntity(entity),
      tags: this.keys.tagKeysOfEntity(entity),
      payload: value.stored,
      pttl: value.pttl,
      version: value.version,
      writer: value.writer,
      writerEpoch: value.writerEpoch,
      proven: value.proven,
      pointer: k.enc,
      returnOld: value.returnOld,
    });
  }

  // ------------------------------------------------------------------------------------ write-behind

  /** Writes a value (or tombstone) and its queue entry together (batched per tick); see the enqueue script. */
  enqueue(
    k: ResolvedKey<TKey>,
    entity: TEntity | undefined,
    write: { stored: StoredValue; version: string; keepPrevious: boolean; tagTtlMs: number; returnOld: boolean },
  ) {
    return this.enqueues.run({
      value: k.valueKey,
      lease: k.leaseKey,
      pending: this.keys.pendingKeyOfEnc(k.enc),
      stream: this.keys.streamKey,
      indexes: entity === undefined ? [] : this.keys.indexKeysOfEntity(entity),
      tags: entity === undefined ? [] : this.keys.tagKeysOfEntity(entity),
      group: CONSUMER_GROUP,
      op: entity === undefined ? QUEUE_OP.delete : QUEUE_OP.save,
      payload: write.stored,
      version: write.version,
      encodedKey: k.enc,
      namespace: this.keys.definition.namespace,
      keepPrevious: write.keepPrevious,
      tagTtlMs: write.tagTtlMs,
      returnOld: write.returnOld,
    });
  }

  /** The value of `k` while its write is queued (null when none is). */
  queuedValue(k: ResolvedKey<TKey>): Promise<GuardResult<Buffer | null>> {
    return this.run("write-behind-pending-value", PENDING_VALUE, { value: k.valueKey });
  }

  /** Calls on the write-behind streams themselves (dead letters, WAIT), bounded like a save plus `extraMs`. */
  onStreams<T>(op: string, fn: (client: CommandClient) => Promise<T>, extraMs = 0): Promise<GuardResult<T>> {
    return this.guard.run(op, fn, this.writeTimeoutMs + extraMs);
  }

  /** Queue entries not yet acknowledged (queued or in flight). */
  queueLength(): Promise<GuardResult<number>> {
    return this.guard
      .run("xlen", (c) => c.call("XLEN", this.keys.streamKey))
      .then((r) => (r.ok ? { ok: true, value: Number(r.value) } : r));
  }

  private run<TInput, TReply>(op: string, s: TypedScript<TInput, TReply>, input: TInput): Promise<GuardResult<TReply>> {
    this.marks.flush();
    this.puts.flush();
    this.enqueues.flush();
    const { keys, args } = s.encode(input);
    return this.guard
      .run(op, (c) => runScript(c, s, keys, args))
      .then((r) => {
        if (!r.ok) return r;
        const value = s.decode(r.value);
        return value === undefined ? unexpected(s) : { ok: true, value };
      });
  }
}

/** The part of a key Redis Cluster hashes: the text between the first `{` and the next `}`, when not empty. */
function hashTagOf(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
