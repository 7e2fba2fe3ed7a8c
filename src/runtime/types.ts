import type { Cluster, Redis } from "ioredis";
import type { Instrumentation } from "./instrumentation.js";

/** An ioredis client: standalone or Cluster, ioredis 5 or 6. */
export type RedisClient = Redis | Cluster;

/** A value of a `json` field: what JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Options every repository takes (`createRepositories` passes them to each). */
export interface SharedRepositoryOptions {
  /** The ioredis client (standalone or Cluster) the repository sends its commands on; it stays open on `close()`. */
  redis: RedisClient;
  /** Overrides definition.keyPrefix; normalized to end in ":"; must not contain "{" or "}". */
  keyPrefix?: string;
  /** Bound on each Redis call in ms; default 100. */
  timeoutMs?: number;
  /**
   * Bound in ms on a write-behind save/delete's enqueue (default 1000), apart from the reads' `timeoutMs`:
   * past it the save rejects with CacheWriteUnknownError (it may be queued).
   */
  writeTimeoutMs?: number;
  /**
   * Write-behind only: after each save/delete is queued, wait (Redis WAIT) until `replicas` replicas
   * have it, at most `timeoutMs` (default 500); fewer: the save rejects with CacheWriteUnknownError and
   * `durability-not-met` is recorded. Without it a save resolves once the primary has the entry, and a
   * loss of the primary before asynchronous replication can lose it.
   */
  durability?: DurabilityOptions;
  /** Lease (fill token) lifetime in ms; default 5000. Also bounds how long a waiter polls. */
  leaseTtlMs?: number;
  /** Called for every hit, miss, load, error and write-behind event (see CacheEvent); a listener that throws never breaks a call. */
  onEvent?: (event: CacheEvent) => void;
  /** Metrics and tracing (`cachegen/prometheus`, `cachegen/opentelemetry`, or your own): times every public operation and counts every event. */
  instrumentation?: Instrumentation | readonly Instrumentation[];
  /** 32-byte AES-256-GCM keys by id; required iff the entity has encrypted fields. */
  encryptionKeys?: { current: string; keys: Record<string, Uint8Array> };
  /** Shared by all repositories on one client; the first repository's settings win. */
  breaker?: { failureThreshold?: number; cooldownMs?: number };
  /** Stored values larger than this are treated as invalid (miss, deleted); default 4 MiB. */
  maxValueBytes?: number;
  /** Longest key taken, in characters of its encoded form; a longer key is an InvalidKeyError before Redis or the source is touched. Default 1024. */
  maxKeyLength?: number;
}

/** The `durability` option: how many replicas must have a queued write-behind entry before a save resolves. */
export interface DurabilityOptions {
  /** Replicas that must acknowledge (WAIT), at least 1. */
  replicas: number;
  /** Longest wait for them in ms; default 500. */
  timeoutMs?: number;
}

/** The options of a repository whose entity needs a source (read-through, write-through, write-behind). */
export interface RepositoryOptions<TSource> extends SharedRepositoryOptions {
  /** Where the entity is loaded from on a miss (and saved to). */
  source: TSource;
}

/** The options of a cache-aside repository: the source may be left out when every `get` passes its own loader. */
export interface CacheAsideRepositoryOptions<TSource> extends SharedRepositoryOptions {
  /** Where the entity is loaded from on a miss, unless `get(key, load)` passes a loader (and saved to). */
  source?: TSource | undefined;
}

/** Where an entity lives: the application's database or service, as the repository calls it. */
export interface EntitySource<TEntity, TKey> {
  /** The entity with this key, or null when there is none. */
  load(key: TKey): Promise<TEntity | null>;
  /**
   * The entities with these keys, for batches of misses: one per key (null where there is none), or
   * only the rows found; matched to the keys by their key fields, in any order. Keys no row matched
   * in an answer of another length are loaded one by one with `load`.
   */
  loadMany?(keys: TKey[]): Promise<(TEntity | null)[]>;
  /**
   * Writes the entity (an insert or update); required for write-through and write-behind. It may
   * answer the row it kept (e.g. `RETURNING *` of an upsert fenced on the version, or the current
   * row when the fence refused the write): write-through, and the write-behind worker once the write
   * lands, then cache that row. Without it, a versioned write is cached only over an older cached
   * version (else the key is revoked), and an unversioned one is taken as written.
   */
  save?(entity: TEntity): Promise<void | TEntity>;
  /** Deletes the entity with this key; required for write-through and write-behind. */
  delete?(key: TKey): Promise<void>;
}

/**
 * The source of a write-behind entity. Misses load from it; the worker writes queued saves and
 * deletes to it at least once (a redelivered entry repeats a write), so writes must be idempotent,
 * and with a `versionField` fenced (`WHERE version < $new`) so an older write never lands last.
 */
export interface WriteBehindSource<TEntity, TKey> extends EntitySource<TEntity, TKey> {
  save(entity: TEntity): Promise<void | TEntity>;
  delete(key: TKey): Promise<void>;
  /**
   * One batch of saves, at most one per key. If it throws, the worker retries each entity with `save`.
   * It answers no rows: its versioned writes are treated as a `save` that answered nothing.
   */
  saveMany?(entities: TEntity[]): Promise<void>;
  /** One batch of deletes, at most one per key. If it throws, the worker retries each key with `delete`. */
  deleteMany?(keys: TKey[]): Promise<void>;
}

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** This worker's consumer name in the group; default `<host>:<pid>:<random>`. A worker restarted under the same name takes back what it held at once. */
  consumer?: string;
  /** Entries held this long by another consumer without an acknowledgement are taken over (its worker died); default 30 s. Keep it above the slowest source batch. */
  minIdleMs?: number;
  /** How often to look for such entries, and the pause after a Redis error; default 1 s. */
  pollMs?: number;
  /** Delay before the first retry of a failed source write, doubled per attempt up to minIdleMs / 2; default 200 ms. */
  retryBaseMs?: number;
  /**
   * How long a write is retried while the source is unreachable (a retryable error, see `isRetryable`),
   * counted from its first failure, before it moves to the dead-letter stream; default 15 min. Its value
   * stays cached (and served) meanwhile.
   */
  retryHorizonMs?: number;
  /**
   * Whether a source error means "unreachable, try again" (true) or "the source rejected this write"
   * (false: dead-lettered after `writeBehind.maxAttempts`). Default: network errors (ECONNREFUSED,
   * ECONNRESET, ETIMEDOUT, EPIPE, ENOTFOUND, EAI_AGAIN, ...) and PostgreSQL's connection, shutdown,
   * resource and serialization classes (08xxx, 57P01-57P03, 53xxx, 40001, 40P01) are retryable.
   */
  isRetryable?: (error: unknown) => boolean;
  /**
   * `stop()` resolves within this many ms whatever Redis does (default 5000); entries still held are
   * then taken over by another worker (or by this consumer name when it starts again).
   */
  stopTimeoutMs?: number;
}

/** A running write-behind worker. */
export interface WriteBehindWorker {
  /**
   * Finishes the batch in flight (source write and acknowledgement), then closes the worker's
   * connection; resolves within `stopTimeoutMs` (default 5 s) even when Redis is down or hangs.
   */
  stop(): Promise<void>;
}

/** The bare value of a one-field key: `BareKey<{ id: string }>` is `string`; `never` for composite keys. */
/** Options of `invalidate` and `invalidateTag`. */
export interface InvalidateOptions {
  /**
   * Mark the entries stale instead of dropping them: with `staleWhileRevalidate` they are served
   * while one refresh runs; without it this is a drop. Fills in flight are revoked either way.
   */
  soft?: boolean | undefined;
}

export type BareKey<TKey> = {
  [K in keyof TKey]-?: [Exclude<keyof TKey, K>] extends [never] ? TKey[K] : never;
}[keyof TKey];

/** `key` may be the key object, or the bare value for a one-field key. */
export type KeyInput<TKey> = TKey | BareKey<TKey>;

/** What `stats()` counts, since the repository was created; each counter counts the event of the same name. */
export interface CacheStats {
  /** Reads served fresh from Redis or L1 (remembered not-founds included). */
  hits: number;
  /** Reads that found nothing usable cached. */
  misses: number;
  /** Keys loaded from the source. */
  loads: number;
  /** Reads served stale while a refresh ran (stale-while-revalidate). */
  staleHits: number;
  /** Reads that joined a read of the same key already in flight in this process. */
  coalesced: number;
  /** Reads that waited for another process to fill the key. */
  leaseWaits: number;
  /** Hits on a remembered not-found. */
  negativeHits: number;
  /** Cached values (or values about to be cached) that failed their checks and were dropped. */
  invalidValues: number;
  /** Redis calls that failed, timed out or were skipped (the call went on without Redis). */
  redisErrors: number;
  /** Times the circuit breaker opened. */
  breakerOpens: number;
  /** Times failed invalidations overflowed the retry queue and the entity's namespace was revoked whole instead. */
  invalidationOverflows: number;
  /** Write-behind saves and deletes made durable in Redis. */
  queued: number;
  /** Queued writes that reached the source. */
  flushed: number;
  /** Queued writes the source refused (retried). */
  failed: number;
  /** Queued writes moved to the dead-letter stream. */
  deadLettered: number;
}

/** What happened to one key (`key` is its Redis key). */
export interface KeyEvent {
  /**
   * - `hit`: served from Redis or L1, fresh. `negative-hit`: a remembered not-found, likewise.
   * - `stale-hit`: served stale (stale-while-revalidate) while one refresh runs.
   * - `miss`: nothing usable cached. `load`: a source read. `coalesced`: joined a read in flight.
   * - `lease-wait`: another process holds the key's lease; waited for its fill.
   * - `queued`: a write-behind save or delete is durable in Redis.
   */
  readonly type: "hit" | "negative-hit" | "stale-hit" | "miss" | "load" | "coalesced" | "lease-wait" | "queued";
  readonly entity: string;
  readonly key: string;
  readonly error?: never;
  readonly detail?: never;
}

/** What happened to one key, with a word on why. */
export interface KeyDetailEvent {
  /**
   * - `fill-rejected`: a value loaded under a lease was not cached (a write or invalidation revoked it).
   * - `invalid-value`: a cached value, or a row from the source, failed its checks (the schema, or
   *   the key it was read or loaded for); it was dropped.
   * - `flushed`: queued writes of the key reached the source.
   * - `list-too-large`: a list (`key` is the list's Redis key) had more members than its `maxItems`;
   *   it was served from the source and not cached.
   * - `durability-not-met`: a queued write was not acknowledged by `durability.replicas` replicas
   *   within `durability.timeoutMs` (the save rejected with CacheWriteUnknownError).
   */
  readonly type: "fill-rejected" | "invalid-value" | "flushed" | "durability-not-met" | "list-too-large";
  readonly entity: string;
  readonly key: string;
  readonly detail: string;
  readonly error?: never;
}

/** Something failed for one key. */
export interface KeyErrorEvent {
  /**
   * - `refresh-failed`: a background refresh (stale-while-revalidate) could not load the key.
   * - `write-failed`: the source refused queued writes of the key; they are retried.
   * - `dead-letter`: they kept failing and moved to the dead-letter stream.
   */
  readonly type: "refresh-failed" | "write-failed" | "dead-letter";
  readonly entity: string;
  readonly key: string;
  readonly error: unknown;
  readonly detail?: string;
}

/** A Redis call failed or was skipped; the call went on without Redis (reads from the source). */
export interface RedisErrorEvent {
  readonly type: "redis-error";
  readonly entity: string;
  readonly error: unknown;
  /** Which call: `get`, `mget`, `fill`, `invalidate`, ... */
  readonly detail: string;
  readonly key?: never;
}

/**
 * More invalidations were owed while Redis was unavailable than the retry queue holds: none is
 * dropped; the entity's whole namespace (and those of the entities it invalidates) is revoked once
 * Redis answers, and until then this process reads the entity past the cache. Counted in
 * `stats().invalidationOverflows`.
 */
export interface InvalidationOverflowEvent {
  readonly type: "invalidation-overflow";
  readonly entity: string;
  readonly detail: string;
  readonly key?: never;
  readonly error?: never;
}

/** The circuit breaker of the Redis client changed state (shared by every repository on it). */
export interface BreakerEvent {
  /** `breaker-open`: Redis is skipped for a cool-down. `breaker-half-open`: one call probes it. `breaker-closed`: it answered. */
  readonly type: "breaker-open" | "breaker-half-open" | "breaker-closed";
  readonly entity: string;
  readonly key?: never;
  readonly error?: never;
  readonly detail?: never;
}

/** What `onEvent` receives: narrow on `type`. */
export type CacheEvent =
  KeyEvent | KeyDetailEvent | KeyErrorEvent | RedisErrorEvent | InvalidationOverflowEvent | BreakerEvent;

export type CacheEventType = CacheEvent["type"];
