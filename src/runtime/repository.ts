import type { EntityDefinition } from "./definition.js";
import type { EntityCheck } from "./entity-check.js";
import { describeValue, InvalidKeyError } from "./errors.js";
import type { Events } from "./events.js";
import type { IndexReads } from "./index-reads.js";
import type { Observer, OperationName } from "./instrumentation.js";
import type { Invalidator } from "./invalidator.js";
import type { KeySpace } from "./key-space.js";
import type { L1Cache } from "./l1.js";
import type { ListReads } from "./list-reads.js";
import type { Primer, PrimeResult } from "./prime.js";
import type { ReadPath } from "./read-path.js";
import { assembleRepository } from "./repository-parts.js";
import type {
  BareKey,
  CacheAsideRepositoryOptions,
  CacheStats,
  EntitySource,
  InvalidateOptions,
  RepositoryOptions,
} from "./types.js";
import type { WriteStrategy } from "./write-strategy.js";

const writeStrategies = new WeakMap<object, WriteStrategy<unknown, unknown>>();

/** The write strategy a repository was built with: how WriteBehindRepository reaches its queue (not public API). */
export function writeStrategyOf<TEntity, TKey>(
  repository: Repository<TEntity, TKey, never, unknown>,
): WriteStrategy<TEntity, TKey> {
  return writeStrategies.get(repository) as WriteStrategy<TEntity, TKey>;
}

/**
 * A typed cache repository over one entity, in Redis through ioredis. Generated `<Entity>Repository`
 * classes extend it and add only `getBy<Index>` and `invalidate<Tag>` methods.
 *
 * Reads never fail because of Redis: when it is down, slow or out of memory, values come from the
 * source. Writes follow the entity's strategy (cache-aside, read-through, write-through,
 * write-behind).
 */
export class Repository<TEntity, TKey, TSource extends EntitySource<TEntity, TKey>, TTag = never> {
  /** The entity as its schema declared it: name, key fields, TTLs, strategy, indexes, tags. */
  readonly definition: EntityDefinition<TEntity, TKey>;
  // Generated subclasses add `getBy<Index>`, `listBy<List>` and `invalidate<Tag>` methods: every
  // other member's name stays clear of those shapes (src/model/naming.ts reserves the exceptions).
  private readonly keys: KeySpace<TEntity, TKey>;
  private readonly check: EntityCheck<TEntity, TKey>;
  private readonly events: Events;
  private readonly l1: L1Cache<TEntity> | undefined;
  private readonly reads: ReadPath<TEntity, TKey>;
  private readonly indexReads: IndexReads<TEntity, TKey>;
  private readonly listReads: ListReads<TEntity, TKey>;
  private readonly primer: Primer<TEntity, TKey>;
  private readonly invalidator: Invalidator<TEntity, TKey>;
  private readonly writes: WriteStrategy<TEntity, TKey>;
  private readonly observer: Observer | undefined;
  private readonly timeoutMs: number;
  /** `byEmail` -> `getByEmail`: the operation names of the indexes, only with an observer. */
  private readonly indexOperations: ReadonlyMap<string, OperationName> | undefined;

  /**
   * @param definition the entity's definition (generated).
   * @param options `redis` (an ioredis client or Cluster), `source`, and optionally `keyPrefix`,
   *   `timeoutMs` (bound on each Redis call, default 100), `onEvent`, `instrumentation`,
   *   `encryptionKeys`, `breaker`.
   */
  constructor(
    definition: EntityDefinition<TEntity, TKey>,
    options: RepositoryOptions<TSource> | CacheAsideRepositoryOptions<TSource>,
  ) {
    const parts = assembleRepository(definition, options);
    this.definition = definition;
    this.keys = parts.keys;
    this.check = parts.check;
    this.events = parts.events;
    this.l1 = parts.l1;
    this.timeoutMs = parts.timeoutMs;
    this.reads = parts.reads;
    this.indexReads = parts.indexReads;
    this.listReads = parts.listReads;
    this.primer = parts.primer;
    this.invalidator = parts.invalidator;
    this.writes = parts.writes;
    this.observer = parts.observer;
    this.indexOperations = parts.observer
      ? new Map(
          Object.keys(definition.indexes).map((index) => [
            index,
            `get${index.charAt(0).toUpperCase()}${index.slice(1)}` as OperationName,
          ]),
        )
      : undefined;
    writeStrategies.set(this, parts.writes as WriteStrategy<unknown, unknown>);
  }

  /**
   * The entity with this key, or null when the source has none. A hit costs one Redis round trip
   * (gets of the same tick share one MGET); a miss loads from the source once, however many callers
   * and processes ask at the same time, and caches the value.
   * @param key the key object, or the bare value of a one-field key.
   * @param load loads the entity on a miss instead of `source.load`, for this call (cache-aside).
   * @throws InvalidKeyError (as a rejection) for a key that does not fit the key schema;
   *   InvalidEntityError when the row loaded does not fit the schema or is another key's.
   */
  get(key: TKey | BareKey<TKey>, load?: (key: TKey) => Promise<TEntity | null>): Promise<TEntity | null> {
    const observer = this.observer;
    return observer ? observer.operation("get", () => this.reads.get(key, load)) : this.reads.get(key, load);
  }

  /**
   * The entities with these keys, in the same order (null where the source has none): the hits in
   * one round trip, the misses with one `source.loadMany` where the source has it.
   * @throws InvalidKeyError (as a rejection) when `keys` is not an array or any key does not fit
   *   the key schema; InvalidEntityError when a row the source returned does not fit the schema.
   */
  getMany(keys: readonly (TKey | BareKey<TKey>)[]): Promise<(TEntity | null)[]> {
    const run = () =>
      Array.isArray(keys)
        ? this.reads.getMany(keys)
        : Promise.reject(
            new InvalidKeyError(`${this.definition.name}: getMany takes an array of keys, got ${describeValue(keys)}`),
          );
    const observer = this.observer;
    return observer ? observer.operation("getMany", run) : run();
  }

  /**
   * Reads by a declared unique index (generated `getBy<Index>` methods call it): one round trip on
   * a hit; on a miss the source's `loadBy<Index>`.
   * @param index the index name, e.g. `byEmail`.
   * @param values the indexed fields' values, in the index's order.
   */
  protected getByIndex(index: string, values: readonly unknown[]): Promise<TEntity | null> {
    const observer = this.observer;
    if (!observer) return this.indexReads.get(index, values);
    const operation = this.indexOperations!.get(index) ?? "getByIndex";
    return observer.operation(operation, () => this.indexReads.get(index, values));
  }

  /**
   * Reads a declared list (generated `listBy<List>` methods call it): the members' keys from the
   * list, their values in one batch; a missing or stale list loads with the source's
   * `loadList<List>`. A member whose list fields no longer match is never returned.
   * @param list the list name, e.g. `byTeam`.
   * @param values the list fields' values, in the list's order.
   */
  protected readList(list: string, values: readonly unknown[]): Promise<TEntity[]> {
    return this.observed(`list${list.charAt(0).toUpperCase()}${list.slice(1)}` as OperationName, () =>
      this.listReads.get(list, values),
    );
  }

  /**
   * Reloads the entity from the source and overwrites the cached value (a write-behind entity with
   * a write still queued answers the queued value instead).
   * @throws InvalidKeyError (as a rejection) for a key that does not fit the key schema.
   */
  refresh(key: TKey | BareKey<TKey>): Promise<TEntity | null> {
    return this.observed("refresh", async () => {
      const k = this.keys.resolve(key);
      const queued = this.writes.queuedValue ? await this.writes.queuedValue(k) : undefined;
      if (queued !== undefined) return queued;
      return this.reads.refresh(k);
    });
  }

  /**
   * Writes the entity, as the entity's strategy says: to the source, then the cache is invalidated
   * (cache-aside, read-through) or holds the new value (write-through); or to Redis with a durable
   * queue entry, for a worker to write the source later (write-behind).
   * @throws InvalidKeyError or InvalidEntityError when the entity does not fit the schema (before
   *   the source or Redis is touched); CachegenError when the source lacks `save`;
   *   CacheUnavailableError (write-behind) when Redis cannot take the write; the source's own error
   *   otherwise.
   */
  save(entity: TEntity): Promise<void> {
    return this.observed("save", () => {
      try {
        this.check.saved(entity);
      } catch (error) {
        return Promise.reject(error);
      }
      return this.writes.save(entity);
    });
  }

  /**
   * Deletes the entity, as the entity's strategy says: from the source, then the cache is
   * invalidated; or (write-behind) a tombstone and a durable queue entry.
   * @throws InvalidKeyError for a key that does not fit the key schema; otherwise as `save`.
   */
  delete(key: TKey | BareKey<TKey>): Promise<void> {
    return this.observed("delete", async () => this.writes.delete(this.keys.resolve(key)));
  }

  /**
   * Puts an entity the application already holds into the cache, without the source (warm-up), as
   * a fill would: never over a newer version, a queued write-behind write, a cached value it cannot
   * tell is older, or while someone holds the key's lease (a fill or a write in flight).
   * @returns whether it was written (false: the cache keeps what it had).
   * @throws InvalidKeyError or InvalidEntityError when the entity does not fit the schema (before
   *   Redis is touched); CacheUnavailableError when Redis did not take it.
   */
  prime(entity: TEntity): Promise<boolean> {
    return this.observed("prime", async () => (await this.primer.primeMany([entity])).primed === 1);
  }

  /**
   * `prime` for many entities: one script per batch of 100 (a page of a warm-up).
   * @returns how many were written (`primed`) and left as the cache had them (`skipped`).
   * @throws as `prime`; an invalid entity rejects the whole call before Redis is touched.
   */
  primeMany(entities: readonly TEntity[]): Promise<PrimeResult> {
    return this.observed("primeMany", () => this.primer.primeMany(entities));
  }

  /**
   * Drops the cached value (and any fill in flight for it), its index entries, the lists its cached
   * value is a member of, and what `invalidates` names. Never rejects because of Redis: a failed drop is retried, and this process
   * reads the key from the source meanwhile.
   * @param options `soft: true` marks them stale instead, so `staleWhileRevalidate` serves them
   *   while one refresh runs (fills in flight still lose); without that window it is a drop.
   */
  invalidate(key: TKey | BareKey<TKey>, options?: InvalidateOptions): Promise<void> {
    return this.observed("invalidate", async () => {
      await this.invalidator.revoke(this.keys.resolve(key), [], options?.soft === true);
    });
  }

  /**
   * Drops every cached value carrying this tag (and every fill in flight for the entity).
   * @param tag the tag's fields, e.g. `{ teamId }` for a tag `team:{teamId}`.
   * @param options `soft: true` marks them stale instead (see `invalidate`).
   * @throws InvalidKeyError (as a rejection) when no declared tag has exactly these fields.
   */
  invalidateTag(tag: TTag, options?: InvalidateOptions): Promise<void> {
    return this.observed("invalidateTag", async () => {
      await this.invalidator.revokeTag(tag as object, options?.soft === true);
    });
  }

  /**
   * The Redis key of the entity's cached value.
   * @throws InvalidKeyError for a key that does not fit the key schema.
   */
  keyOf(key: TKey | BareKey<TKey>): string {
    return this.keys.resolve(key).valueKey;
  }

  /** Counters since the repository was created: hits, misses, loads, stale hits, coalesced reads, Redis errors, write-behind queue figures. */
  stats(): CacheStats {
    return this.events.snapshot();
  }

  /** Runs one public operation through the instrumentation, when there is one. */
  private observed<T>(operation: OperationName, run: () => Promise<T>): Promise<T> {
    return this.observer ? this.observer.operation(operation, run) : run();
  }

  /**
   * Stops background retries and closes the L1 subscriber connection (within `timeoutMs`: a Redis
   * that does not answer its QUIT gets a disconnect). The Redis client stays open.
   */
  async close(): Promise<void> {
    this.invalidator.close();
    await this.l1?.close(this.timeoutMs);
  }
}
