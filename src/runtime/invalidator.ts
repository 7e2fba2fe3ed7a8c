import type { Codec } from "./codec.js";
import type { Coalescer } from "./coalescer.js";
import type { EntityDefinition } from "./definition.js";
import type { EntityRedis } from "./entity-redis.js";
import { describeValue, InvalidKeyError } from "./errors.js";
import type { Events } from "./events.js";
import { KeySpace, type ResolvedKey } from "./key-space.js";
import type { L1Cache } from "./l1.js";
import { RetryQueue } from "./retry-queue.js";
import type { TtlPolicy } from "./ttl-policy.js";

export interface InvalidatorParts<TEntity, TKey> {
  readonly definition: EntityDefinition<TEntity, TKey>;
  readonly keys: KeySpace<TEntity, TKey>;
  readonly codec: Codec<TEntity>;
  readonly redis: EntityRedis<TEntity, TKey>;
  readonly events: Events;
  readonly ttl: TtlPolicy;
  readonly l1: L1Cache<TEntity> | undefined;
  /** In-flight value reads and index reads of this process (coalesced): a write must not be answered by an older read. */
  readonly valueReads: Coalescer<TEntity | null>;
  readonly indexReads: Coalescer<TEntity | null>;
  /** In-flight list reads of this process (coalesced): a write of a member must not be answered by an older read. */
  readonly listReads?: Coalescer<TEntity[]>;
  /** Whether Redis would be tried now (retries wait for it). */
  readonly redisAvailable: () => boolean;
}

/**
 * Every way a repository takes values out of the cache, in one vocabulary:
 *
 * - **revoke**: deletes values together with their leases (or, for tags, bumps the tag epochs of
 *   every bucket, which the leases carry), so a fill in flight for them is rejected and cannot
 *   cache an older value (guarantee 1): `revoke`, `revokeTag`, `revokeTargets`, `revokeLater`.
 * - **drop**: deletes keys that hold no lease: the index entries a value no longer has; and the
 *   lists a written value was or is a member of (a list key holds its fill's lease itself).
 * - **discard**: deletes one invalid value unless it changed since it was read; leases untouched.
 * - **soft** (a revoke option): marks values stale instead of deleting them (freshUntil 0, TTL and
 *   index entries kept), leases still revoked; only for an entity with a stale-while-revalidate
 *   window (`softFor`), else it is the plain revoke.
 * - **forget**: this process's copies only (in-flight coalesced reads, L1); no Redis.
 * - **publish**: tells the L1 tiers of other processes to forget values.
 *
 * A Redis step that fails after the source was written is retried in the background until it
 * succeeds or the entry would have expired anyway (ttl + stale window); meanwhile reads of that key
 * in this process bypass Redis (`isPending`). When more steps are owed than the retry queue holds,
 * they are replaced by revoking the entity's whole namespace (and those of what `invalidates`
 * names) once Redis answers: coarse, but nothing owed is lost (event `invalidation-overflow`).
 * Each step names the keys it touches, so a step may later run per cluster slot.
 */
export class Invalidator<TEntity, TKey> {
  /** Whether a replaced value must be decoded after a write: it has index entries, lists or `invalidates` targets to drop. */
  readonly needsOldValue: boolean;
  private readonly hasLists: boolean;
  private readonly retries: RetryQueue;
  /** Discards of invalid values in flight, awaited before a lease is taken for the same key. */
  private readonly discards = new Map<string, Promise<unknown>>();
  private readonly targetSpaces = new Map<EntityDefinition<unknown, unknown>, KeySpace<unknown, unknown>>();

  constructor(private readonly parts: InvalidatorParts<TEntity, TKey>) {
    const { definition } = parts;
    this.hasLists = Object.keys(definition.lists ?? {}).length > 0;
    this.needsOldValue =
      Object.keys(definition.indexes).length > 0 || definition.invalidates.length > 0 || this.hasLists;
    this.retries = new RetryQueue(parts.redisAvailable, {
      run: () => this.revokeNamespaces(),
      report: (replaced) =>
        parts.events.record("invalidation-overflow", undefined, {
          detail: `${replaced} invalidations owed while Redis was unavailable, more than the retry queue holds: the ${definition.name} namespace${definition.invalidates.length ? " and those of the entities it invalidates" : ""} will be revoked whole once Redis answers`,
        }),
    });
  }

  // ------------------------------------------------------------------------------------ forget (this process)

  /** Later reads of the key start afresh instead of joining one in flight (which may predate a write). */
  forgetReads(valueKey: string): void {
    this.parts.valueReads.forget(valueKey);
  }

  /** Forgets this process's copies of a key about to be written: in-flight reads (value and index), L1. */
  forget(valueKey: string): void {
    this.parts.valueReads.forget(valueKey);
    this.parts.indexReads.forgetAll();
    this.parts.listReads?.forgetAll();
    this.parts.l1?.delete([valueKey]);
  }

  // ------------------------------------------------------------------------------------ pending retries

  /** Whether a revocation of this value waits for a retry: Redis may still hold the old value, so reads bypass it. */
  isPending(valueKey: string): boolean {
    return this.retries.has(valueKey);
  }

  /** Whether any revocation is pending (when none is, no key needs `isPending`). */
  anyPending(): boolean {
    return !this.retries.empty;
  }

  /** Retries what is pending now (when Redis is available). */
  retryPending(): void {
    void this.retries.drain();
  }

  /** Resolves once the discards in flight for these keys are done (a lease taken before would find the invalid value). */
  async discarded(ks: readonly ResolvedKey<TKey>[]): Promise<void> {
    if (!this.discards.size) return;
    await Promise.all(ks.flatMap((k) => this.discards.get(k.valueKey) ?? []));
  }

  // ------------------------------------------------------------------------------------ revoke

  /**
   * After a source write (or `invalidate`): revokes the value of `k` and its lease, drops the index
   * entries of the old value and of `values` (what was written), revokes what `invalidates` names
   * for them, and publishes to L1. Never rejects because of Redis: a failure is retried.
   */
  async revoke(k: ResolvedKey<TKey>, values: readonly TEntity[], soft = false): Promise<void> {
    this.parts.valueReads.forget(k.valueKey);
    this.parts.indexReads.forgetAll();
    this.parts.listReads?.forgetAll();
    if (!(await this.revokeOnce(k, values, soft))) await this.revokeLater(k, values);
    this.parts.valueReads.forget(k.valueKey);
  }

  /**
   * A write of `k` could not reach Redis: its revocation is retried in the background (reads of it
   * bypass Redis meanwhile), and what `invalidates` names for `values` is revoked now.
   */
  async revokeLater(k: ResolvedKey<TKey>, values: readonly TEntity[]): Promise<void> {
    this.retries.add(k.valueKey, () => this.revokeOnce(k, values), this.parts.ttl.entryLifetimeMs);
    await Promise.all([this.revokeTargets(values), this.dropListsOf(values)]);
  }

  /**
   * Revokes every value in the tag sets whose fields are exactly the keys of `tag`. Throws
   * InvalidKeyError for a tag that matches no declared tag. In this order, each step retried as a
   * whole until it holds (the sets and the members are in other slots than each other):
   * 1. bump the tag epoch of every bucket: every fill in flight whose lease predates this loses;
   * 2. read the sets' members (a fill joins its tag sets before it writes, so a fill that won
   *    before step 1 is a member by now);
   * 3. revoke those members (value and lease, per bucket);
   * 4. remove exactly them from the sets (members added since stay: their fills may have won after
   *    step 1, under a lease taken after it, with a value loaded after the source write).
   * `soft` (with a stale window): step 3 marks the members stale instead, and step 4 is skipped.
   */
  async revokeTag(tag: object, soft = false): Promise<void> {
    const { definition, keys, redis, l1 } = this.parts;
    const name = definition.name;
    if (typeof tag !== "object" || tag === null)
      throw new InvalidKeyError(`${name} tag: expected an object, got ${describeValue(tag)}`);
    const tags = keys.tagsMatching(tag);
    if (!tags.length) {
      const declared = Object.values(definition.tags).map((t) => t.pattern);
      throw new InvalidKeyError(
        `${name}: no tag has exactly the fields { ${Object.keys(tag).join(", ")} }; declared tags: ${declared.length ? declared.join(", ") : "none"}`,
      );
    }
    const setKeys = tags.map((t) => keys.tagKey(t, tag as Record<string, unknown>));
    this.parts.valueReads.forgetAll();
    const run = async (): Promise<boolean> => {
      if (!(await redis.bumpEpochs()).ok) return false;
      const members = await redis.tagMembers(setKeys);
      if (!members.ok) return false;
      const entries = new Map<string, { enc: string; valueKey: string; leaseKey: string }>();
      for (const valueKey of members.value.flat()) {
        const enc = keys.encOfValueKey(valueKey);
        if (enc !== undefined) entries.set(valueKey, { enc, valueKey, leaseKey: keys.leaseKeyOfEnc(enc) });
      }
      const stale = softFor(definition, soft);
      const revoked = await redis.revoke([...entries.values()], [], "invalidate", undefined, stale);
      if (!revoked.ok) return false;
      // marked stale, the members stay in their sets: a later invalidation still finds them
      const left = stale ? [] : await Promise.all(setKeys.map((set, i) => redis.leaveTagSet(set, members.value[i]!)));
      if (left.some((r) => !r.ok)) return false;
      const dropped = [...entries.keys()].filter((_, i) => revoked.value[i] !== undefined);
      l1?.delete([...entries.keys()]);
      if (l1 && dropped.length) await this.publish(dropped);
      return true;
    };
    if (!(await run())) this.retries.add(`tag:${setKeys.join(" ")}`, run, this.parts.ttl.entryLifetimeMs);
  }

  /** Revokes what `invalidates` names for these values: one call per target entity. */
  async revokeTargets(values: readonly TEntity[], soft = false): Promise<void> {
    const { definition, redis } = this.parts;
    if (!definition.invalidates.length || !values.length) return;
    const groups = new Map<KeySpace<unknown, unknown>, Map<string, ResolvedKey<unknown>>>();
    for (const invalidates of definition.invalidates) {
      const space = this.targetSpace(invalidates.entity());
      for (const value of values) {
        let target: ResolvedKey<unknown>;
        try {
          target = space.resolve(invalidates.key(value));
        } catch {
          continue; // e.g. a null reference: nothing to invalidate
        }
        let group = groups.get(space);
        if (!group) groups.set(space, (group = new Map()));
        group.set(target.valueKey, target);
      }
    }
    await Promise.all(
      [...groups].map(async ([space, targets]) => {
        const valueKeys = [...targets.keys()];
        const run = async (): Promise<boolean> => {
          const r = await redis.revoke(
            [...targets.values()],
            [],
            "invalidate-target",
            space,
            softFor(space.definition, soft),
          );
          if (!r.ok) return false;
          if (space.definition.l1) await redis.publish(space.channel, valueKeys);
          return true;
        };
        if (!(await run())) this.retries.add(`target:${valueKeys.join(" ")}`, run, this.parts.ttl.entryLifetimeMs);
      }),
    );
  }

  /**
   * After a script replaced the value of `k` with `value` (undefined: a tombstone, or nothing),
   * revoking its lease itself, and answered the value it replaced (undefined when it kept it):
   * drops the old value's index entries the new one does not have, revokes what `invalidates`
   * names for both and for what was `written` to the source, and publishes to L1.
   */
  async afterReplace(
    k: ResolvedKey<TKey>,
    replaced: Buffer | undefined,
    value: TEntity | undefined,
    written: readonly TEntity[] = [],
  ): Promise<void> {
    // Nothing to do without index entries, `invalidates` targets or L1 (the common write: no promises).
    if (!this.needsOldValue && !this.parts.l1) return;
    // The old value matters only for its index entries and targets: without either it is not decoded.
    const old = this.needsOldValue ? this.decodeOld(k, replaced) : undefined;
    const current = value === undefined ? [] : this.parts.keys.indexKeysOfEntity(value);
    const stale = old ? this.parts.keys.indexKeysOfEntity(old).filter((key) => !current.includes(key)) : [];
    const values = [...new Set([old, value, ...written])].filter((v): v is TEntity => v !== undefined);
    const work: Promise<unknown>[] = [this.revokeTargets(values), this.dropListsOf(values), this.publish([k.valueKey])];
    if (stale.length) work.push(this.dropIndexEntries(stale));
    await Promise.all(work);
  }

  // ------------------------------------------------------------------------------------ discard, publish

  /** Counts an invalid stored value (an `invalid-value` event) and discards it unless it changed since it was read. */
  discardInvalid(valueKey: string, raw: Buffer, reason: string): void {
    this.parts.events.record("invalid-value", valueKey, { detail: reason });
    const op = this.parts.redis.discardIfUnchanged(valueKey, raw, raw.length > this.parts.codec.maxValueBytes);
    this.discards.set(valueKey, op);
    void op.finally(() => {
      if (this.discards.get(valueKey) === op) this.discards.delete(valueKey);
    });
  }

  /** Tells the L1 tiers of every process (this one included) to forget these values. */
  async publish(valueKeys: readonly string[]): Promise<void> {
    if (!this.parts.l1 || !valueKeys.length) return;
    await this.parts.redis.publish(this.parts.keys.channel, valueKeys);
  }

  /** Stops retrying. */
  close(): void {
    this.retries.close();
  }

  // ------------------------------------------------------------------------------------ internals

  /** One attempt at `revoke`; false when Redis did not take it. */
  private async revokeOnce(k: ResolvedKey<TKey>, values: readonly TEntity[], soft = false): Promise<boolean> {
    const { keys, redis, l1, definition } = this.parts;
    l1?.delete([k.valueKey]);
    const stamp = softFor(definition, soft); // a stale value keeps its index entries
    const indexEntries = stamp ? [] : [...new Set(values.flatMap((v) => keys.indexKeysOfEntity(v)))];
    const r = await redis.revoke([k], indexEntries, "invalidate", undefined, stamp);
    if (!r.ok) return false;
    const old = this.decodeOld(k, r.value[0]);
    const stale = old && !stamp ? keys.indexKeysOfEntity(old).filter((key) => !indexEntries.includes(key)) : [];
    const all = old ? [old, ...values] : values;
    // a stale value keeps its lists too (they hold keys; reads serve the stale value)
    const work: Promise<unknown>[] = [this.revokeTargets(all, soft), this.publish([k.valueKey])];
    if (!stamp) work.push(this.dropListsOf(all));
    if (stale.length) work.push(this.dropIndexEntries(stale));
    await Promise.all(work);
    return true;
  }

  /**
   * Revokes every entry of this entity's namespace and of the entities `invalidates` names (the
   * retry queue's fallback when it overflowed): bumps every bucket's tag epoch, then deletes what a
   * SCAN finds on each node (each master of a Cluster), step by step, and forgets this process's L1.
   * False when Redis failed midway (it starts over).
   */
  private async revokeNamespaces(): Promise<boolean> {
    const { keys, definition, redis, l1 } = this.parts;
    const spaces = [
      keys as KeySpace<unknown, unknown>,
      ...definition.invalidates.map((i) => this.targetSpace(i.entity())),
    ];
    for (const space of new Set(spaces)) {
      if (!(await redis.bumpEpochs(space)).ok) return false;
      for (const node of redis.scanNodes()) {
        let cursor = "0";
        do {
          const r = await redis.revokeNamespaceStep(space, node, cursor);
          if (!r.ok) return false;
          cursor = r.value.cursor;
          if (r.value.dropped.length && space.definition.l1) await redis.publish(space.channel, r.value.dropped);
        } while (cursor !== "0");
      }
      if (space === keys) l1?.clear();
    }
    this.parts.valueReads.forgetAll();
    this.parts.indexReads.forgetAll();
    this.parts.listReads?.forgetAll();
    return true;
  }

  /**
   * Drops the lists these values are members of (old and new values of a write: a member left
   * one list and joined another), with any fill in flight for them (its lease is the list key).
   * Each list is retried on its own on failure, and read past Redis meanwhile (`isPending`).
   */
  async dropListsOf(values: readonly TEntity[]): Promise<void> {
    if (!this.hasLists || !values.length) return;
    this.parts.listReads?.forgetAll();
    const listKeys = [...new Set(values.flatMap((value) => this.parts.keys.listKeysOfEntity(value)))];
    if (await this.parts.redis.dropLists(listKeys)) return;
    for (const listKey of listKeys) {
      const run = () => this.parts.redis.dropLists([listKey]);
      this.retries.add(listKey, run, this.parts.ttl.entryLifetimeMs);
    }
  }

  /** Drops index entries of this entity (they hold no lease); retried on failure. */
  private async dropIndexEntries(indexKeys: readonly string[]): Promise<void> {
    const run = async (): Promise<boolean> => (await this.parts.redis.drop(indexKeys)).ok;
    if (!(await run())) this.retries.add(`del:${indexKeys.join(" ")}`, run, this.parts.ttl.entryLifetimeMs);
  }

  private decodeOld(k: ResolvedKey<TKey>, raw: Buffer | undefined): TEntity | undefined {
    if (!raw) return undefined;
    const decoded = this.parts.codec.decode(raw, k.enc);
    return decoded.kind === "value" ? decoded.entity : undefined;
  }

  private targetSpace(definition: EntityDefinition<unknown, unknown>): KeySpace<unknown, unknown> {
    let space = this.targetSpaces.get(definition);
    if (!space) {
      space = new KeySpace(definition, this.parts.keys.prefix);
      this.targetSpaces.set(definition, space);
    }
    return space;
  }
}

/** Whether a soft invalidation of this entity marks stale: only with a stale-while-revalidate window to serve it in. */
function softFor(definition: { readonly staleWhileRevalidateMs?: number }, soft: boolean): boolean {
  return soft && (definition.staleWhileRevalidateMs ?? 0) > 0;
}
