import { z } from "zod";
import { fieldModels, keyPartType, type EntityFields, type FieldModel, type KeyPartType } from "./descriptor.js";
import { fieldSchemas, keySchema } from "./entity-schema.js";

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
  /**
   * Streams the queue is partitioned into (a key always in the same one, beside its value's slot):
   * DEFAULT_PARTITIONS when absent (code generated before partitions existed).
   */
  readonly partitions?: number;
}

/** The settings of a write-behind entity whose schema leaves them out. */
export const WRITE_BEHIND_DEFAULTS: WriteBehindSettings = { batchSize: 100, flushIntervalMs: 1_000, maxAttempts: 5 };

export type { KeyPartType };

export interface IndexDefinition {
  /** Entity fields the index is keyed by, in argument order. */
  readonly fields: readonly string[];
  /** Name of the source method that loads by this index, e.g. `loadByEmail`. */
  readonly load: string;
}

export interface ListDefinition {
  /** Entity fields the list is keyed by, in argument order. */
  readonly fields: readonly string[];
  /** Name of the source method that loads the list, e.g. `loadListByTeam`. */
  readonly load: string;
  /** The most members a list is cached with; a longer one is served from the source, not cached. */
  readonly maxItems: number;
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

/** What the schema declared about one entity, as generated code hands it to `defineEntity`. */
export interface EntityDeclaration<TEntity> {
  /** The entity's name (PascalCase), in keys, messages and events. */
  readonly name: string;
  /** `schemas/user.yaml`: for messages. */
  readonly schemaFile: string;
  /** From the generator config; `RepositoryOptions.keyPrefix` overrides it. */
  readonly keyPrefix: string;
  /** `<version>.<shapeHash>`: part of every key, so a changed shape never reads old entries. */
  readonly namespace: string;
  /** Key fields in order. */
  readonly key: readonly string[];
  /** The entity's one shape description; everything about values and keys is derived from it. */
  readonly fields: EntityFields;
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
  /** A datetime field: an entry never outlives it (its TTL is capped by it; an expired row is not cached). */
  readonly expiresAt?: string;
  readonly serializer: "json" | "msgpack";
  /** Values whose stored form is larger than `overBytes` are stored compressed (kind `c`); readers take both forms. */
  readonly compress?: { readonly overBytes: number };
  /** The in-process tier in front of Redis, when declared. */
  readonly l1?: { readonly ttlMs: number; readonly maxEntries: number };
  /** Unique lookups by other fields, by name (`byEmail`). */
  readonly indexes: Readonly<Record<string, IndexDefinition>>;
  /** Non-unique lookups by other fields, by name (`byTeam`); absent in code generated before lists existed. */
  readonly lists?: Readonly<Record<string, ListDefinition>>;
  /** Invalidation groups, by name. */
  readonly tags: Readonly<Record<string, TagDefinition>>;
  /** Entities a write to this one invalidates. */
  readonly invalidates: readonly InvalidatesDefinition<TEntity>[];
  /** Queue settings of a write-behind entity (WRITE_BEHIND_DEFAULTS where the schema leaves them out). */
  readonly writeBehind?: WriteBehindSettings;
}

/** A declaration with what the runtime derives from its `fields`, once per entity. */
export interface EntityDefinition<TEntity, TKey> extends EntityDeclaration<TEntity> {
  /** `fields` in normalized form, in declaration order. */
  readonly fieldModels: readonly FieldModel[];
  /** Each top-level field's schema (index and tag values are checked with these). */
  readonly fieldSchemas: Readonly<Record<string, z.ZodType>>;
  /** The entity as the application sees it (Date for datetime and date, bigint for bigint). */
  readonly schema: z.ZodType<TEntity>;
  /** Key fields in order, with the type that validates and encodes each. */
  readonly keyParts: Readonly<Record<string, KeyPartType>>;
  /** Validates (and, for enum parts, constrains) a key before Redis is touched. */
  readonly keySchema: z.ZodType<TKey>;
  /** Top-level fields stored as AES-256-GCM ciphertext. */
  readonly encryptedFields: readonly string[];
}

/**
 * Derives the schemas and key parts from `declaration.fields`. A definition may be spread into a
 * new declaration (`defineEntity({ ...userEntity, ttlMs })`): what it derived is derived again.
 */
export function defineEntity<TEntity, TKey>(declaration: EntityDeclaration<TEntity>): EntityDefinition<TEntity, TKey> {
  const models = fieldModels(declaration.fields);
  const byName = new Map(models.map((field) => [field.name, field]));
  const keyFields = declaration.key.map((name) => {
    const field = byName.get(name);
    if (!field || keyPartType(field.type) === undefined)
      throw new TypeError(`cachegen: ${declaration.name} key field "${name}" is not a field that can be a key part`);
    return field;
  });
  const schemas = fieldSchemas(models);
  return Object.freeze({
    ...declaration,
    fieldModels: models,
    fieldSchemas: schemas,
    schema: z.object(schemas) as unknown as z.ZodType<TEntity>,
    keyParts: Object.fromEntries(keyFields.map((field) => [field.name, keyPartType(field.type)!])),
    keySchema: keySchema(keyFields) as z.ZodType<TKey>,
    encryptedFields: models.filter((field) => field.encrypt).map((field) => field.name),
  });
}
