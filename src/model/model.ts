/**
 * The normalized, immutable description of an entity: what every later stage (emit, format, write)
 * reads. Built from a validated schema document by `buildModel`; nothing here refers to YAML.
 */

import type { Serializer, Strategy } from "../schema/document-schema.js";
import type { FieldModel } from "../schema/fields.js";

// The field and option vocabulary is the schema stage's (validation checks fields in this form).
export type { ScalarType, Serializer, Strategy, StringFormat } from "../schema/document-schema.js";
export type { FieldModel, FieldType } from "../schema/fields.js";

export interface IndexModel {
  /** As declared, e.g. `byEmail`. */
  readonly name: string;
  /** PascalCase suffix for method names: `getByEmail`, `loadByEmail`. */
  readonly methodSuffix: string;
  readonly fields: readonly string[];
}

export interface ListModel {
  /** As declared, e.g. `byTeam`. */
  readonly name: string;
  /** PascalCase suffix for method names: `listByTeam`, `loadListByTeam`. */
  readonly methodSuffix: string;
  readonly fields: readonly string[];
  /** The most members a list is cached with. */
  readonly maxItems: number;
}

export interface TagModel {
  /** As declared, e.g. `team:{teamId}`. */
  readonly pattern: string;
  /** The fields its placeholders name, in order of appearance. */
  readonly fields: readonly string[];
  /** PascalCase name of the tag, e.g. `Team`: the generated method is `invalidateByTeam`. */
  readonly methodSuffix: string;
}

export interface InvalidatesModel {
  /** The entity whose entries a write to this one drops. */
  readonly entity: string;
  /** The other entity's key field -> a field of this entity. */
  readonly key: Readonly<Record<string, string>>;
}

export interface WriteBehindModel {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxAttempts: number;
  /** Streams the queue is split into (a key always in one, on its value's slot). */
  readonly partitions: number;
}

export interface L1Model {
  readonly ttlMs: number;
  readonly maxEntries: number;
}

export interface EntityModel {
  /** PascalCase, unique across schemas. */
  readonly name: string;
  /** camelCase, the property of `createRepositories`' result: `user`. */
  readonly propertyName: string;
  /** kebab-case base of the generated files: `user`, `order-line`. */
  readonly fileBase: string;
  /** Schema file relative to the project root with `/` separators: `schemas/user.yaml`. */
  readonly sourceFile: string;
  readonly fields: readonly FieldModel[];
  readonly key: readonly string[];
  readonly strategy: Strategy;
  readonly ttlMs: number;
  /** Fraction of the TTL by which entries expire early at random, 0..1. */
  readonly jitter: number;
  readonly negativeTtlMs?: number;
  readonly staleWhileRevalidateMs?: number;
  readonly versionField?: string;
  /** A datetime field capping each entry's TTL. */
  readonly expiresAt?: string;
  /** Manual bump of the key namespace. */
  readonly version: number;
  readonly serializer: Serializer;
  /** Values whose stored form is larger than this many bytes are stored compressed. */
  readonly compressOverBytes?: number;
  readonly l1?: L1Model;
  readonly indexes: readonly IndexModel[];
  readonly lists: readonly ListModel[];
  readonly tags: readonly TagModel[];
  readonly invalidates: readonly InvalidatesModel[];
  readonly writeBehind?: WriteBehindModel;
  /**
   * Hash of everything that decides how a stored value decodes (fields, types, modifiers, key,
   * serializer) and what an entry belongs to (indexes, lists, tags): part of the key namespace, so a
   * deploy that changes either never reads the previous deploy's entries (`shape-hash.ts`).
   */
  readonly shapeHash: string;
}

export interface ProjectModel {
  /** Sorted by name. */
  readonly entities: readonly EntityModel[];
  readonly keyPrefix: string;
  readonly tests: boolean;
}
