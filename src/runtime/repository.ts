import { Codec } from "./codec.js";
import type { EntityDefinition } from "./definition.js";
import { KeySpace, type ResolvedKey } from "./keys.js";
import { L1Cache } from "./l1.js";
import { RedisGuard, type BreakerTransition } from "./redis-guard.js";
import type { CommandClient } from "./command-client.js";
import { Coalescer } from "./coalescer.js";
import { EntityRedis } from "./entity-redis.js";
import { Events } from "./events.js";
import { Invalidator } from "./invalidator.js";
import { IndexReads } from "./index-reads.js";
import { Leases, newToken } from "./leases.js";
import { ReadPath } from "./read-path.js";
import { SourceAdapter } from "./source-adapter.js";
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
  private readonly reads: ReadPath<TEntity, TKey>;
  private readonly indexReads: IndexReads<TEntity, TKey>;
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
    const { keys, codec, redis, sourceAdapter: source, leases, invalidator, events, l1, ttl } = this;
    this.reads = new ReadPath({ definition, keys, codec, redis, source, leases, invalidator, events, l1, inFlight: this.gets });
    this.indexReads = new IndexReads({
      definition, keys, codec, redis, source, leases, invalidator, ttl, events,
      inFlight: this.indexGets,
      queuedValue: (k) => this.queuedValueOf(k),
    });
  }

  // ------------------------------------------------------------------------------------ reads

  get(key: KeyInput<TKey>, load?: (key: TKey) => Promise<TEntity | null>): Promise<TEntity | null> {
    return this.reads.get(key, load);
  }

  getMany(keys: readonly KeyInput<TKey>[]): Promise<(TEntity | null)[]> {
    return this.reads.getMany(keys);
  }

  /** Lookup by a declared index; generated `getBy<Index>` methods call it. */
  protected getByIndex(index: string, values: readonly unknown[]): Promise<TEntity | null> {
    return this.indexReads.get(index, values);
  }

  /** The value of a queued write of `k` (write-behind overrides it). */
  protected async queuedValueOf(_k: ResolvedKey<TKey>): Promise<TEntity | null | undefined> {
    return undefined;
  }

  /** Reloads from the source under a lease (revoking any other holder) and overwrites the cache. */
  async refresh(key: KeyInput<TKey>): Promise<TEntity | null> {
    const k = this.keys.resolve(key);
    this.sourceAdapter.require("load");
    this.invalidator.forgetReads(k.valueKey);
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
