import type { z } from "zod";
import { toFieldModel, type FieldModel } from "./fields.js";
import { entitySchema, type EntityDocument } from "./document-schema.js";

type IndexDocument = NonNullable<EntityDocument["indexes"]>[string];
type ListDocument = NonNullable<EntityDocument["lists"]>[string];
type InvalidatesDocument = NonNullable<EntityDocument["invalidates"]>[number];
type Collections = "fields" | "indexes" | "lists" | "tags" | "invalidates";

/**
 * What cross-reference checks can rely on in an entity that may have shape errors elsewhere:
 * each property that is valid on its own and, inside collections, each valid entry. A list keeps
 * its positions (`undefined` for an invalid item) so problems are located in the right item.
 */
export interface EntityParts extends Partial<Omit<EntityDocument, Collections>> {
  /** All declared field names, so a reference to a field with a bad definition is not also "unknown". */
  readonly declaredFields: readonly string[];
  readonly fields: ReadonlyMap<string, FieldModel>;
  readonly indexes: ReadonlyMap<string, IndexDocument>;
  readonly lists: ReadonlyMap<string, ListDocument>;
  readonly tags: readonly (string | undefined)[];
  readonly invalidates: readonly (InvalidatesDocument | undefined)[];
}

const { fields, indexes, lists, tags, invalidates, ...singleProperties } = entitySchema.shape;

export function entityParts(raw: unknown): EntityParts {
  const source = isPlainObject(raw) ? raw : {};
  const valid: Record<string, unknown> = {};
  for (const [property, schema] of Object.entries(singleProperties)) {
    const result = schema.safeParse(source[property]);
    if (result.success && result.data !== undefined) valid[property] = result.data;
  }
  const fieldDefinitions = validEntries(source.fields, fields);
  return {
    // Each value in `valid` passed the schema of its own property, which is what the cast claims.
    ...(valid as Partial<Omit<EntityDocument, Collections>>),
    declaredFields: isPlainObject(source.fields) ? Object.keys(source.fields) : [],
    fields: new Map([...fieldDefinitions].map(([name, definition]) => [name, toFieldModel(name, definition)])),
    indexes: validEntries(source.indexes, indexes.unwrap()),
    lists: validEntries(source.lists, lists.unwrap()),
    tags: validItems(source.tags, tags.unwrap().element),
    invalidates: validItems(source.invalidates, invalidates.unwrap().element),
  };
}

/**
 * `entityParts(raw)` for an entity whose whole shape is valid, read off its parsed form instead of
 * parsing every property and entry again: each part parses alone to what it parsed to inside the
 * whole. Not for entities with `__proto__` keys, which records drop but `entityParts` keeps.
 */
export function entityPartsOfValid(raw: Record<string, unknown>, parsed: EntityDocument): EntityParts {
  const {
    fields: fieldDefinitions,
    indexes: indexDefinitions,
    lists: listDefinitions,
    tags: tagList,
    invalidates: rules,
    ...rest
  } = parsed;
  const valid = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return {
    ...(valid as Partial<Omit<EntityDocument, Collections>>),
    declaredFields: isPlainObject(raw.fields) ? Object.keys(raw.fields) : [],
    fields: new Map(
      Object.entries(fieldDefinitions).map(([name, definition]) => [name, toFieldModel(name, definition)]),
    ),
    indexes: new Map(Object.entries(indexDefinitions ?? {})),
    lists: new Map(Object.entries(listDefinitions ?? {})),
    tags: tagList ?? [],
    invalidates: rules ?? [],
  };
}

function validEntries<K extends z.ZodType<string>, V extends z.ZodType>(
  value: unknown,
  record: { keyType: K; valueType: V },
): Map<string, z.output<V>> {
  const entries = new Map<string, z.output<V>>();
  for (const [key, item] of Object.entries(isPlainObject(value) ? value : {})) {
    const parsed = record.valueType.safeParse(item);
    if (record.keyType.safeParse(key).success && parsed.success) entries.set(key, parsed.data);
  }
  return entries;
}

function validItems<T>(value: unknown, schema: z.ZodType<T>): (T | undefined)[] {
  return Array.isArray(value) ? value.map((item) => schema.safeParse(item).data) : [];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
