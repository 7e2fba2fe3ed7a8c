import type { Cluster, Redis } from "ioredis";

/** An ioredis client: standalone or Cluster, ioredis 5 or 6. */
export type RedisClient = Redis | Cluster;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface SharedRepositoryOptions {
  redis: RedisClient;
  /** Overrides definition.keyPrefix; normalized to end in ":"; must not contain "{" or "}". */
  keyPrefix?: string;
  /** Bound on each Redis call in ms; default 100. */
  timeoutMs?: number;
  /** Lease (fill token) lifetime in ms; default 5000. Also bounds how long a waiter polls. */
  leaseTtlMs?: number;
  onEvent?: (event: CacheEvent) => void;
  /** 32-byte AES-256-GCM keys by id; required iff the entity has encrypted fields. */
  encryptionKeys?: { current: string; keys: Record<string, Uint8Array> };
  /** Shared by all repositories on one client; the first repository's settings win. */
  breaker?: { failureThreshold?: number; cooldownMs?: number };
  /** Stored values larger than this are treated as invalid (miss, deleted); default 4 MiB. */
  maxValueBytes?: number;
}

export interface RepositoryOptions<TSource> extends SharedRepositoryOptions {
  source: TSource;
}

export interface CacheAsideRepositoryOptions<TSource> extends SharedRepositoryOptions {
  source?: TSource | undefined;
}

export interface EntitySource<TEntity, TKey> {
  load(key: TKey): Promise<TEntity | null>;
  loadMany?(keys: TKey[]): Promise<(TEntity | null)[]>;
  save?(entity: TEntity): Promise<void>;
  delete?(key: TKey): Promise<void>;
}

/** The bare value of a one-field key: `BareKey<{ id: string }>` is `string`; `never` for composite keys. */
export type BareKey<TKey> = {
  [K in keyof TKey]-?: [Exclude<keyof TKey, K>] extends [never] ? TKey[K] : never;
}[keyof TKey];

/** `key` may be the key object, or the bare value for a one-field key. */
export type KeyInput<TKey> = TKey | BareKey<TKey>;

export interface CacheStats {
  hits: number;
  misses: number;
  loads: number;
  staleHits: number;
  coalesced: number;
  leaseWaits: number;
  negativeHits: number;
  invalidValues: number;
  redisErrors: number;
  breakerOpens: number;
  queued: number;
  flushed: number;
  failed: number;
  deadLettered: number;
}

export type CacheEventType =
  | "hit"
  | "miss"
  | "stale-hit"
  | "negative-hit"
  | "load"
  | "coalesced"
  | "lease-wait"
  | "fill-rejected"
  | "invalid-value"
  | "redis-error"
  | "breaker-open"
  | "breaker-half-open"
  | "breaker-closed"
  | "refresh-failed"
  | "queued"
  | "flushed"
  | "write-failed"
  | "dead-letter";

export type CacheEvent = {
  type: CacheEventType;
  entity: string;
  key?: string;
  error?: unknown;
  detail?: string;
};
