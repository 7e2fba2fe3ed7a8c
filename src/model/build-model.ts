import { compareCodeUnits } from "../compare-code-units.js";
import { DEFAULT_WRITE_BEHIND, type EntityDocument } from "../schema/document-schema.js";
import { parseDuration } from "../schema/duration.js";
import { parseSize } from "../schema/size.js";
import { toFieldModel } from "../schema/fields.js";
import { parseTagPattern } from "../schema/tag-pattern.js";
import type { EntityModel, ProjectModel, TagModel } from "./model.js";
import { camelCase, indexMethodSuffix, kebabCase, tagMethodSuffix } from "../schema/naming.js";
import { shapeHash } from "./shape-hash.js";

/** An entity that passed every check, and the schema file it came from. */
export interface ValidEntity {
  readonly document: EntityDocument;
  /** Relative to the project root, `/`-separated. */
  readonly sourceFile: string;
}

export interface ProjectOptions {
  readonly keyPrefix: string;
  readonly tests: boolean;
}

/** Valid entities -> the deeply frozen model every later stage reads. Entities are sorted by name. */
export function buildModel(entities: readonly ValidEntity[], options: ProjectOptions): ProjectModel {
  const keysByEntity = new Map(entities.map(({ document }) => [document.entity, keyFields(document)]));
  const models = entities
    .map((entity) => buildEntity(entity, keysByEntity))
    .sort((a, b) => compareCodeUnits(a.name, b.name));
  return deepFreeze({ entities: models, keyPrefix: options.keyPrefix, tests: options.tests });
}

function buildEntity(
  { document, sourceFile }: ValidEntity,
  keysByEntity: ReadonlyMap<string, readonly string[]>,
): EntityModel {
  const fields = Object.entries(document.fields).map(([name, definition]) => toFieldModel(name, definition));
  const indexes = Object.entries(document.indexes ?? {}).map(([name, index]) => ({
    name,
    methodSuffix: indexMethodSuffix(name),
    fields: index.fields,
  }));
  const lists = Object.entries(document.lists ?? {}).map(([name, list]) => ({
    name,
    methodSuffix: indexMethodSuffix(name),
    fields: list.fields,
    maxItems: list.maxItems,
  }));
  const tags = (document.tags ?? []).map(toTagModel);
  const key = keyFields(document);
  const { negativeTtl, staleWhileRevalidate, versionField, expiresAt, compress, l1, writeBehind } = document;
  return {
    name: document.entity,
    propertyName: camelCase(document.entity),
    fileBase: kebabCase(document.entity),
    sourceFile,
    fields,
    key,
    strategy: document.strategy,
    ttlMs: durationMs(document.ttl),
    jitter: typeof document.jitter === "number" ? document.jitter : Number.parseFloat(document.jitter) / 100,
    ...(negativeTtl !== undefined && { negativeTtlMs: durationMs(negativeTtl) }),
    ...(staleWhileRevalidate !== undefined && { staleWhileRevalidateMs: durationMs(staleWhileRevalidate) }),
    ...(versionField !== undefined && { versionField }),
    ...(expiresAt !== undefined && { expiresAt }),
    version: document.version,
    serializer: document.serializer,
    ...(compress !== undefined && { compressOverBytes: defined(parseSize(compress.over), `size ${compress.over}`) }),
    ...(l1 !== undefined && { l1: { ttlMs: durationMs(l1.ttl), maxEntries: l1.maxEntries } }),
    indexes,
    lists,
    tags,
    invalidates: (document.invalidates ?? []).map((target) => ({
      entity: target.entity,
      // In the order of the other entity's key, whatever order the mapping was written in.
      key: Object.fromEntries(
        defined(keysByEntity.get(target.entity), `key of ${target.entity}`).map((field) => [
          field,
          defined(target.key[field], `${target.entity}.${field}`),
        ]),
      ),
    })),
    ...(document.strategy === "write-behind" && {
      writeBehind: {
        batchSize: writeBehind?.batchSize ?? DEFAULT_WRITE_BEHIND.batchSize,
        flushIntervalMs: durationMs(writeBehind?.flushInterval ?? DEFAULT_WRITE_BEHIND.flushInterval),
        maxAttempts: writeBehind?.maxAttempts ?? DEFAULT_WRITE_BEHIND.maxAttempts,
        partitions: writeBehind?.partitions ?? DEFAULT_WRITE_BEHIND.partitions,
      },
    }),
    shapeHash: shapeHash({ fields, key, serializer: document.serializer, indexes, lists, tags }),
  };
}

function keyFields(document: EntityDocument): string[] {
  return typeof document.key === "string" ? [document.key] : document.key;
}

function toTagModel(pattern: string): TagModel {
  const parsed = defined(parseTagPattern(pattern).pattern, `tag ${pattern}`);
  return { pattern, fields: parsed.fields, methodSuffix: tagMethodSuffix(parsed.literals) };
}

function durationMs(text: string): number {
  return defined(parseDuration(text), `duration ${text}`);
}

/** Validation guarantees these values; a missing one is a bug in cachegen, not in the schema. */
function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`cachegen bug: ${what} missing from a validated schema`);
  return value;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
