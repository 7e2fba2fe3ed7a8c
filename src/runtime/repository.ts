import { Codec } from "./codec.js";
import type { EntityDefinition } from "./definition.js";
import { InvalidKeyError, describeValue } from "./errors.js";
import { KeySpace, type ResolvedKey } from "./keys.js";
import { L1Cache } from "./l1.js";
import { RedisGuard, type BreakerTransition } from "./redis-guard.js";
import type { CommandClient } from "./command-client.js";
import { Coalescer } from "./coalescer.js";
import { EntityRedis } from "./entity-redis.js";
import { Events } from "./events.js";
import { Invalidator } from "./invalidator.js";
import { Leases, newToken } from "./leases.js";
import { SourceAdapter, type Loader } from "./source-adapter.js";
import { TtlPolicy } from "./ttl-policy.js";
import type {
  CacheAsideRepositoryOptions,
  CacheStats,
  EntitySource,
  KeyInput,
  RepositoryOptions,
} from "./types.js";

const DEFAULT_TIMEOUT_MS = 100;
const DEFAULT_LEASE_TTL_MS = 5_000;
const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;

/** `lookup` found nothing usable. */
const MISS: unique symbol = Symbol("cachegen.miss");

/**
 * A typed cache repository over one entity (SPEC §5). Generated `<E>Repository` classes extend it
 * and only add `getBy<Index>` / `invalidate<Tag>` methods.
 *
 * Subclasses (write-behind) may override `save` / `delete` and reuse the protected pieces:
 * `keys`, `codec`, `guard`, `events`, `client`, `script()`, `resolveKey()`, `requireSource()`,
 * `putValue()`, `forgetLocal()`, `afterReplace()`, `dropAfterWrite()`, `dropTargets()`,
 * `loadFromSource()`, `loadBatch()`, `loadIndexed()`, `fillTtl()`, `dropInvalid()`, `retries`, `l1`.
 *
 * Generated subclasses add `getBy<Index>` and `invalidate<Tag>` methods: keep every other member's
 * name clear of those two shapes (src/model/naming.ts reserves the exceptions).
 */
export class Repository<TEntity, TKey, TSource extends EntitySource<TEntity, TKey>, TTag = never> {
  readonly definition: EntityDefinition<TEntity, TKey>;
  protected readonly source: TSource | undefined;
  protected readonly sourceAdapter: SourceAdapter<TEntity, TKey>;
  protected readonly ttl: TtlPolicy;
  protected readonly client: CommandClient;
  protected readonly keys: KeySpace<TEntity, TKey>;
  protected readonly codec: Codec<TEntity>;
  protected readonly guard: RedisGuard;
  protected readonly events: Events;
  protected readonly leaseTtlMs: number;
  protected readonly l1: L1Cache<TEntity> | undefined;
  protected readonly invalidator: Invalidator<TEntity, TKey>;
  private readonly leases: Leases<TEntity, TKey>;
  private readonly gets = new Coalescer<TEntity | null>();
  protected readonly redis: EntityRedis<TEntity, TKey>;
  private readonly indexGets = new Coalescer<TEntity | null>();

  constructor(
    definition: EntityDefinition<TEntity, TKey>,
    options: RepositoryOptions<TSource> | CacheAsideRepositoryOptions<TSource>,
  ) {
    if (!options || typeof options !== "object" || !options.redis) {
      throw new TypeError(`cachegen: ${definition?.name ?? "repository"} needs options.redis (an ioredis client)`);
    }
    if (!(definition.ttlMs > 0)) throw new TypeError(`cachegen: ${definition.name} ttlMs must be > 0`);
    if (!(definition.jitter >= 0 && definition.jitter < 1)) throw new TypeError(`cachegen: ${definition.name} jitter must be in [0, 1)`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new TypeError(`cachegen: ${definition.name} timeoutMs must be > 0`);
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!(this.leaseTtlMs > 0)) throw new TypeError(`cachegen: ${definition.name} leaseTtlMs must be > 0`);

    const clientPrefix = (options.redis as unknown as { options?: { keyPrefix?: unknown } }).options?.keyPrefix;
    if (typeof clientPrefix === "string" && clientPrefix !== "") {
      throw new TypeError(
        `cachegen: ${definition.name}: the ioredis client has its own keyPrefix (${JSON.stringify(clientPrefix)}); use the repository's keyPrefix option instead (Lua scripts and SCAN need the full key names)`,
      );
    }
    this.definition = definition;
    this.source = options.source;
    this.client = options.redis as unknown as CommandClient;
    this.keys = new KeySpace(definition, options.keyPrefix ?? definition.keyPrefix);
    this.codec = new Codec(definition as EntityDefinition<TEntity, unknown>, {
      encryptionKeys: options.encryptionKeys,
      maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    });
    this.events = new Events(definition.name, options.onEvent);
    this.sourceAdapter = new SourceAdapter(definition, options.source, this.events);
    this.ttl = new TtlPolicy(definition as EntityDefinition<unknown, unknown>);
    this.guard = new RedisGuard(
      this.client,
      timeoutMs,
      {
        failureThreshold: options.breaker?.failureThreshold ?? 5,
        cooldownMs: options.breaker?.cooldownMs ?? 1_000,
      },
      {
        onError: (error, op) => this.events.record("redis-error", undefined, { error, detail: op }),
        onTransition: (transition: BreakerTransition) => this.events.record(transition, undefined),
      },
    );
    this.redis = new EntityRedis(this.guard, this.keys, this.leaseTtlMs);
    this.l1 = definition.l1
      ? new L1Cache<TEntity>(this.client, this.keys.channel, definition.l1.maxEntries, definition.l1.ttlMs, (error) =>
          this.events.record("redis-error", undefined, { error, detail: "l1-subscriber" }),
        )
      : undefined;
    this.invalidator = new Invalidator({
      definition,
      keys: this.keys,
      codec: this.codec,
      redis: this.redis,
      events: this.events,
      ttl: this.ttl,
      l1: this.l1,
      valueReads: this.gets,
      indexReads: this.indexGets,
      redisAvailable: () => this.guard.available(),
    });
    this.leases = new Leases({
      redis: this.redis,
      codec: this.codec,
      source: this.sourceAdapter,
      ttl: this.ttl,
      invalidator: this.invalidator,
      events: this.events,
      l1: this.l1,
      leaseTtlMs: this.leaseTtlMs,
    });
  }

  // ------------------------------------------------------------------------------------ reads

  get(key: KeyInput<TKey>, load?: (key: TKey) => Promise<TEntity | null>): Promise<TEntity | null> {
    // Not `async`: the hit path hands out the fetch's own promise (no wrapper promise, no extra
    // ticks); anything thrown (an invalid key) still comes back as a rejection.
    try {
      const k = this.keys.resolve(key);
      const cached = this.l1?.get(k.valueKey);
      if (cached) {
        this.countHit(k.valueKey, cached.value === null);
        return Promise.resolve(cached.value);
      }
      const inflight = this.gets.get(k.valueKey);
      if (inflight) {
        this.events.record("coalesced", k.valueKey);
        return inflight;
      }
      return this.fetch(k, load);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async getMany(keys: readonly KeyInput<TKey>[]): Promise<(TEntity | null)[]> {
    const n = keys.length;
    const results = new Array<TEntity | null>(n).fill(null);
    // Every distinct key is answered by exactly one of: L1, a read already in flight, this batch;
    // a repeated key copies its first position's answer.
    const first = new Map<string, number>();
    /** [position, first position of the same key]. */
    const repeats: [number, number][] = [];
    const fetch: ResolvedKey<TKey>[] = [];
    const fetchAt: number[] = [];
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const k = this.keys.resolve(keys[i]!);
      const valueKey = k.valueKey;
      const earlier = first.get(valueKey);
      if (earlier !== undefined) {
        repeats.push([i, earlier]);
        continue;
      }
      first.set(valueKey, i);
      const cached = this.l1?.get(valueKey);
      if (cached) {
        this.countHit(valueKey, cached.value === null);
        results[i] = cached.value;
        continue;
      }
      const inflight = this.gets.get(valueKey);
      if (inflight) {
        this.events.record("coalesced", valueKey);
        waits.push(inflight.then((value) => void (results[i] = value)));
        continue;
      }
      fetch.push(k);
      fetchAt.push(i);
    }
    if (fetch.length) {
      const batch = this.fetchMany(fetch);
      // Registered at once, so concurrent gets of these keys join it.
      this.gets.registerBatch(
        fetch.map((k) => k.valueKey),
        batch,
        null,
      );
      waits.push(
        batch.then((values) => {
          for (let j = 0; j < fetchAt.length; j++) results[fetchAt[j]!] = values[j] ?? null;
        }),
      );
    }
    if (waits.length) await Promise.all(waits);
    for (const [i, earlier] of repeats) results[i] = results[earlier] ?? null;
    return results;
  }

  /**
   * Reads the keys with MGETs of their own (not through the batcher: a getMany is a batch already,
   * and merging the getManys of one tick made replies so large that ioredis' parser slowed down);
   * misses go through leases (loadMany where given); pending invalidations bypass Redis. Answers
   * in the order of `toFetch`.
   */
  private async fetchMany(toFetch: readonly ResolvedKey<TKey>[]): Promise<(TEntity | null)[]> {
    const mark = this.l1?.mark();
    const values = new Array<TEntity | null>(toFetch.length).fill(null);
    const read: number[] = [];
    const misses: number[] = [];
    const direct: number[] = [];
    for (let j = 0; j < toFetch.length; j++) {
      if (!this.invalidator.isPending(toFetch[j]!.valueKey)) {
        read.push(j);
        continue;
      }
      direct.push(j); // an invalidation of this key is still pending: Redis may hold the old value
      this.events.record("miss", toFetch[j]!.valueKey);
    }
    await this.redis.readMany(
      read.map((j) => toFetch[j]!.valueKey),
      (from, count, r) => {
        const now = Date.now();
        for (let i = 0; i < count; i++) {
          const j = read[from + i]!;
          const k = toFetch[j]!;
          const raw = r.ok ? r.value[i] : null;
          const found = raw ? this.lookup(k, raw, undefined, mark, now) : MISS;
          if (found !== MISS) {
            values[j] = found;
            continue;
          }
          this.events.record("miss", k.valueKey);
          (r.ok ? misses : direct).push(j);
        }
      },
    );
    if (!misses.length && !direct.length) return values;
    const [leased, loaded] = await Promise.all([
      misses.length ? this.leases.resolveMisses(misses.map((j) => toFetch[j]!), undefined) : [],
      direct.length ? this.sourceAdapter.load(direct.map((j) => toFetch[j]!), undefined) : [],
    ]);
    misses.forEach((j, i) => (values[j] = leased[i] ?? null));
    direct.forEach((j, i) => (values[j] = loaded[i] ?? null));
    return values;
  }

  /** Lookup by a declared index; generated `getBy<Index>` methods call it. */
  protected async getByIndex(index: string, values: readonly unknown[]): Promise<TEntity | null> {
    const indexDef = this.definition.indexes[index];
    if (!indexDef) throw new InvalidKeyError(`${this.definition.name}: unknown index "${index}"`);
    const indexKey = this.keys.indexKey(index, values);
    const loader = this.sourceAdapter.indexLoader(index, indexKey);
    const { promise, joined } = this.indexGets.run(indexKey, () => this.fetchByIndex(index, indexKey, values, loader));
    if (joined) {
      this.events.record("coalesced", indexKey);
    }
    return promise;
  }

  /** Reloads from the source under a lease (revoking any other holder) and overwrites the cache. */
  async refresh(key: KeyInput<TKey>): Promise<TEntity | null> {
    const k = this.keys.resolve(key);
    this.sourceAdapter.require("load");
    this.gets.forget(k.valueKey);
    return this.leases.forceRefresh(k);
  }

  // ------------------------------------------------------------------------------------ writes

  async save(entity: TEntity): Promise<void> {
    const k = this.keys.fromEntity(entity);
    const save = this.sourceAdapter.require("save");
    if (this.definition.strategy === "write-through") {
      await this.saveWriteThrough(k, entity, save);
      return;
    }
    this.invalidator.forgetReads(k.valueKey);
    await save(entity);
    await this.invalidator.revoke(k, [entity]);
  }

  async delete(key: KeyInput<TKey>): Promise<void> {
    const k = this.keys.resolve(key);
    const remove = this.sourceAdapter.require("delete");
    this.invalidator.forgetReads(k.valueKey);
    await remove(k.key);
    await this.invalidator.revoke(k, []);
  }

  /** Drops the value, its lease, its index entries and what `invalidates` names. Never rejects for Redis. */
  async invalidate(key: KeyInput<TKey>): Promise<void> {
    const k = this.keys.resolve(key);
    await this.invalidator.revoke(k, []);
  }

  /** Drops every value in the tag sets whose fields are exactly the keys of `tag`. */
  async invalidateTag(tag: TTag): Promise<void> {
    await this.invalidator.revokeTag(tag as object);
  }

  /** The Redis key of the value. Throws InvalidKeyError. */
  keyOf(key: KeyInput<TKey>): string {
    return this.keys.resolve(key).valueKey;
  }

  stats(): CacheStats {
    return this.events.snapshot();
  }

  /** Closes the L1 subscriber connection and stops background retries. The client stays open. */
  async close(): Promise<void> {
    this.invalidator.close();
    await this.l1?.close();
  }

  // ------------------------------------------------------------------------------------ read internals

  private countHit(key: string, negative: boolean): void {
    this.events.record(negative ? "negative-hit" : "hit", key);
  }

  /**
   * Reads one key through the batcher and registers the read for coalescing. The hit path makes
   * exactly one promise (the caller's): the batcher answers through a callback, and the read
   * leaves the coalescer as it settles rather than through a continuation of its own.
   */
  private fetch(k: ResolvedKey<TKey>, load: Loader<TEntity, TKey> | undefined): Promise<TEntity | null> {
    const valueKey = k.valueKey;
    if (this.invalidator.isPending(valueKey)) {
      this.invalidator.retryPending();
      this.events.record("miss", valueKey);
      const loaded = this.sourceAdapter.loadOne(k, load);
      this.gets.register(valueKey, loaded);
      return loaded;
    }
    const mark = this.l1?.mark();
    let promise: Promise<TEntity | null> | undefined;
    promise = new Promise<TEntity | null>((resolve, reject) => {
      this.redis.read(valueKey, (raw, failure) => {
        try {
          if (raw) {
            const found = this.lookup(k, raw, load, mark, Date.now());
            if (found !== MISS) {
              this.gets.release(valueKey, promise);
              resolve(found);
              return;
            }
          }
          const missed = this.afterReadMiss(k, failure === undefined, load);
          missed.then(
            () => this.gets.release(valueKey, promise),
            () => this.gets.release(valueKey, promise),
          );
          resolve(missed);
        } catch (error) {
          this.gets.release(valueKey, promise);
          reject(error);
        }
      });
    });
    this.gets.add(valueKey, promise);
    return promise;
  }

  /** A read found nothing usable (or Redis was not read): load through the lease, or straight from the source. */
  private afterReadMiss(k: ResolvedKey<TKey>, redisRead: boolean, load: Loader<TEntity, TKey> | undefined): Promise<TEntity | null> {
    this.events.record("miss", k.valueKey);
    if (!redisRead) return this.sourceAdapter.loadOne(k, load);
    return this.leases.resolveMisses([k], load).then(([value]) => value ?? null);
  }

  /**
   * Interprets a raw value read by GET/MGET at `now` (one clock read per reply): counts hits, serves
   * stale (starting a refresh), drops invalid. The value (null: a remembered not-found), or MISS.
   */
  private lookup(k: ResolvedKey<TKey>, raw: Buffer, load: Loader<TEntity, TKey> | undefined, mark: number | undefined, now: number): TEntity | null | typeof MISS {
    const decoded = this.codec.decode(raw, k.enc, k.key);
    if (decoded.kind === "invalid") {
      this.invalidator.discardInvalid(k.valueKey, raw, decoded.reason);
      return MISS;
    }
    if (now < decoded.freshUntil) {
      const value = decoded.kind === "value" ? decoded.entity : null;
      this.countHit(k.valueKey, value === null);
      if (mark !== undefined) this.l1?.set(k.valueKey, value, decoded.freshUntil, mark);
      return value;
    }
    if (decoded.kind === "value" && this.definition.staleWhileRevalidateMs) {
      this.events.record("stale-hit", k.valueKey);
      this.leases.revalidate(k, load);
      return decoded.entity;
    }
    return MISS;
  }

  private async fetchByIndex(
    index: string,
    indexKey: string,
    values: readonly unknown[],
    loader: (values: readonly unknown[]) => Promise<TEntity | null>,
  ): Promise<TEntity | null> {
    const r = await this.redis.readIndex(indexKey);
    if (r.ok && r.value) {
      const { pointer, stored: raw } = r.value;
      if (raw) {
        const decoded = this.codec.decode(raw, pointer);
        const valueKey = this.keys.valueKeyOfEnc(pointer);
        if (this.invalidator.isPending(valueKey)) {
          // an invalidation of this value is still pending: do not trust it
        } else if (decoded.kind === "invalid") {
          this.invalidator.discardInvalid(valueKey, raw, decoded.reason);
        } else if (
          decoded.kind === "value" &&
          this.keys.indexKeyOfEntity(index, decoded.entity) === indexKey &&
          this.keys.encOfEntity(decoded.entity) === pointer
        ) {
          const now = Date.now();
          if (now < decoded.freshUntil) {
            this.countHit(valueKey, false);
            return decoded.entity;
          }
          if (this.definition.staleWhileRevalidateMs) {
            this.events.record("stale-hit", valueKey);
            try {
              this.leases.revalidate(this.keys.fromEntity(decoded.entity), undefined);
            } catch {
              // key fields invalid: nothing to refresh
            }
            return decoded.entity;
          }
        }
      }
    }
    this.events.record("miss", indexKey);
    const entity = await this.loadIndexed(index, indexKey, values, loader);
    if (entity !== null && r.ok) {
      const enc = this.keys.encOfEntity(entity);
      if (enc !== undefined && this.keys.indexKeyOfEntity(index, entity) === indexKey) {
        // The pointer only: the value was not loaded under a lease, so it is not filled here.
        const pttl = this.ttl.value().pttl;
        await this.redis.writeIndexPointer(indexKey, enc, pttl);
      }
    }
    return entity;
  }

  // ------------------------------------------------------------------------------------ shared internals

  /** Validates a key; throws InvalidKeyError before any Redis or source call. */
  protected resolveKey(key: KeyInput<TKey> | TKey): ResolvedKey<TKey> {
    return this.keys.resolve(key);
  }

  /** Loads an index miss; write-behind overrides it (a queued write is newer than the source's row). */
  protected async loadIndexed(_index: string, _indexKey: string, values: readonly unknown[], loader: (values: readonly unknown[]) => Promise<TEntity | null>): Promise<TEntity | null> {
    return loader(values);
  }

  // ------------------------------------------------------------------------------------ write internals

  private async saveWriteThrough(k: ResolvedKey<TKey>, entity: TEntity, save: (...args: unknown[]) => Promise<unknown>): Promise<void> {
    this.invalidator.forgetReads(k.valueKey);
    let token: string | undefined = "";
    if (!this.definition.versionField) {
      // Without a version, overlapping writers cannot be ordered: register as a writer so a put
      // that overlapped another write drops the value instead (falls back to invalidation).
      token = newToken();
      const r = await this.redis.markWriter(k, token);
      if (!r.ok) token = undefined;
    }
    try {
      await save(entity);
    } catch (error) {
      if (token) void this.redis.unmarkWriter(k, token);
      throw error;
    }
    if (token === undefined) {
      await this.invalidator.revoke(k, [entity]);
      return;
    }
    await this.putValue(k, entity, token);
  }

  /**
   * Puts a value written by this process (write-through): revokes any lease, keeps a newer version
   * (versionField), writes index entries and tag sets, drops the old value's stale index entries
   * and what `invalidates` names. On Redis failure the key is invalidated later (retry queue).
   * (Write-behind writes values without expiry in its own script: write-behind-scripts.ts.)
   */
  protected async putValue(k: ResolvedKey<TKey>, entity: TEntity, writerToken = ""): Promise<"written" | "kept-newer" | "dropped" | "failed"> {
    this.invalidator.forget(k.valueKey);
    const { fresh, pttl } = this.ttl.value();
    const encoded = this.codec.encode(entity, k.enc, Date.now() + fresh);
    if (!encoded.ok) {
      this.events.record("invalid-value", k.valueKey, { detail: `value not cached: ${encoded.reason}` });
      if (writerToken) void this.redis.unmarkWriter(k, writerToken);
      await this.invalidator.revoke(k, [entity]);
      return "dropped";
    }
    const r = await this.redis.put(k, entity, { stored: encoded.stored, pttl, version: this.codec.versionOf(entity), writer: writerToken, returnOld: this.invalidator.needsOldValue });
    if (!r.ok) {
      await this.invalidator.revokeLater(k, [entity]);
      return "failed";
    }
    await this.invalidator.afterReplace(k, r.value.old, entity);
    return r.value.status;
  }
}
