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
export type KeyPartType =
  | "string"
  | "uuid"
  | "int"
  | "float"
  | "boolean"
  | "bigint"
  | "datetime"
  | "date"
  | "enum";

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

export interface EntityDefinition<TEntity, TKey> {
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
  readonly ttlMs: number;
  readonly jitter: number;
  readonly negativeTtlMs?: number;
  readonly staleWhileRevalidateMs?: number;
  readonly versionField?: string;
  readonly serializer: "json" | "msgpack";
  /**
   * Paths of `z.date()` fields declared as `date` (stored as `YYYY-MM-DD`, decoded as UTC midnight);
   * every other `z.date()` is a `datetime` (stored as an ISO string). Nested fields use `.`, array and
   * record items `[]`: `birthday`, `settings.since`, `history[].on`. Omitted when there are none.
   */
  readonly dateFields?: readonly string[];
  readonly encryptedFields: readonly string[];
  readonly l1?: { readonly ttlMs: number; readonly maxEntries: number };
  readonly indexes: Readonly<Record<string, IndexDefinition>>;
  readonly tags: Readonly<Record<string, TagDefinition>>;
  readonly invalidates: readonly InvalidatesDefinition<TEntity>[];
  readonly writeBehind?: WriteBehindSettings;
}

/** Identity at run time; pins the generic types for generated code. */
export function defineEntity<TEntity, TKey>(
  definition: EntityDefinition<TEntity, TKey>,
): EntityDefinition<TEntity, TKey> {
  return Object.freeze(definition);
}
