import type { z } from "zod";

/**
 * What generated code tells the runtime about one entity. Everything entity-specific lives here;
 * every behaviour lives in the runtime, so a runtime fix never needs regeneration.
 */

/** How writes reach the source and the cache; the schema's `strategy`. */
export const STRATEGIES = ["cache-aside", "read-through", "write-through", "write-behind"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** A write-behind entity's queue settings. */
export interface WriteBehindSettings {
  /** Queue entries written to the source per batch. */
  readonly batchSize: number;
  /** How long a worker waits for more entries before it writes a batch. */
  readonly flushIntervalMs: number;
  /** Attempts before an entry moves to the dead-letter stream. */
  readonly maxAttempts: number;
}

/** The settings of a write-behind entity whose schema leaves them out. */
export const WRITE_BEHIND_DEFAULTS: WriteBehindSettings = { batchSize: 100, flushIntervalMs: 1_000, maxAttempts: 5 };

/** How a key part is validated and turned into text for the Redis key. */
export type KeyPartType = "string" | "uuid" | "int" | "float" | "boolean" | "bigint" | "datetime" | "date" | "enum";

export interface IndexDefinition {
  /** Entity fields the index is keyed by, in argument order. */
  readonly fields: readonly string[];
  /** Name of the source method that loads by this index, e.g. `loadByEmail`. */
  readonly load: string;
}

export interface TagDefinition {
  /** As declared: `team:{teamId}`. */
  readonly pattern: string;
  readonly fields: readonly string[];
}

export interface InvalidatesDefinition<TEntity> {
  /** Lazy, so entities that invalidate each other can import each other. */
  readonly entity: () => EntityDefinition<any, any>;
  /** The other entity's key, computed from a value of this one. */
  readonly key: (entity: TEntity) => Record<string, unknown>;
}

/** What the schema declared about one entity, as generated code hands it to the runtime. */
export interface EntityDefinition<TEntity, TKey> {
  /** The entity's name (PascalCase), in keys, messages and events. */
  readonly name: string;
  /** `schemas/user.yaml`: for messages. */
  readonly schemaFile: string;
  /** From the generator config; `RepositoryOptions.keyPrefix` overrides it. */
  readonly keyPrefix: string;
  /** `<version>.<shapeHash>`: part of every key, so a changed shape never reads old entries. */
  readonly namespace: string;
  /** Key fields in order, with the type that validates and encodes each. */
  readonly key: Readonly<Record<string, KeyPartType>>;
  /** Validates (and, for enum parts, constrains) a key before Redis is touched. */
  readonly keySchema: z.ZodType<TKey>;
  /** The entity as the application sees it (Date for datetime, bigint for bigint). */
  readonly schema: z.ZodType<TEntity>;
  readonly strategy: Strategy;
  /** How long a cached value is fresh, at most (jitter takes up to `jitter` of it off). */
  readonly ttlMs: number;
  /** The share of the TTL taken off at random, in [0, 1), so entries cached together expire apart. */
  readonly jitter: number;
  /** How long a not-found is remembered; not at all when absent. */
  readonly negativeTtlMs?: number;
  /** How long past its TTL a value may be served stale while one refresh runs. */
  readonly staleWhileRevalidateMs?: number;
  /** A monotonic field (a revision, a timestamp): an older write never replaces a newer cached value. */
  readonly versionField?: string;
  readonly serializer: "json" | "msgpack";
  /**
   * Paths of `z.date()` fields declared as `date` (stored as `YYYY-MM-DD`, decoded as UTC midnight);
   * every other `z.date()` is a `datetime` (stored as an ISO string). Nested fields use `.`, array and
   * record items `[]`: `birthday`, `settings.since`, `history[].on`. Omitted when there are none.
   */
  readonly dateFields?: readonly string[];
  /** Top-level fields stored as AES-256-GCM ciphertext. */
  readonly encryptedFields: readonly string[];
  /** The in-process tier in front of Redis, when declared. */
  readonly l1?: { readonly ttlMs: number; readonly maxEntries: number };
  /** Unique lookups by other fields, by name (`byEmail`). */
  readonly indexes: Readonly<Record<string, IndexDefinition>>;
  /** Invalidation groups, by name. */
  readonly tags: Readonly<Record<string, TagDefinition>>;
  /** Entities a write to this one invalidates. */
  readonly invalidates: readonly InvalidatesDefinition<TEntity>[];
  /** Queue settings of a write-behind entity (WRITE_BEHIND_DEFAULTS where the schema leaves them out). */
  readonly writeBehind?: WriteBehindSettings;
}

/** Identity at run time; pins the generic types for generated code. */
export function defineEntity<TEntity, TKey>(
  definition: EntityDefinition<TEntity, TKey>,
): EntityDefinition<TEntity, TKey> {
  return Object.freeze(definition);
}
