import { compareCodeUnits } from "../compare-code-units.js";
import { sha256 } from "../hash.js";
import type { FieldModel, FieldType, IndexModel, ListModel, Serializer, TagModel } from "./model.js";

/**
 * What the entries of one namespace have in common: how a stored value decodes (fields, types,
 * modifiers, key, serializer) and which lookups and groups it was entered in (indexes, lists, tags).
 * A change of either starts a new namespace, so a deploy never decodes an old value as the new
 * shape, and never serves an old entry that an index or tag invalidation of the new deploy cannot
 * reach (it was cached before that index, list or tag existed). TTLs, a list's `maxItems` (a
 * longer cached list is read as a miss) and the strategy do not count.
 */
export interface StoredShape {
  readonly fields: readonly FieldModel[];
  readonly key: readonly string[];
  readonly serializer: Serializer;
  readonly indexes: readonly IndexModel[];
  /** Absent or empty: the entity hashes as it did before lists existed. */
  readonly lists?: readonly ListModel[];
  readonly tags: readonly TagModel[];
}

/**
 * The first 8 hex digits of the SHA-256 of a canonical JSON of the shape. Arrays, not objects,
 * keep the canonical form independent of property order; fields stay in declared order (the
 * stored form follows it), indexes and tags are sorted (their order changes nothing stored).
 */
export function shapeHash(shape: StoredShape): string {
  const indexes = shape.indexes
    .map((index) => [index.name, index.fields])
    .sort(([a], [b]) => compareCodeUnits(String(a), String(b)));
  const tags = shape.tags.map((tag) => tag.pattern).sort(compareCodeUnits);
  const canonical: unknown[] = [shape.fields.map(canonicalField), shape.key, shape.serializer];
  // An entity with neither hashes as its stored form alone: its namespace did not change when
  // membership started to count, so upgrading cachegen did not empty its cache.
  if (indexes.length > 0 || tags.length > 0) canonical.push(indexes, tags);
  // Likewise an entity without lists keeps the namespace it had before lists existed.
  const lists = (shape.lists ?? [])
    .map((list) => [list.name, list.fields])
    .sort(([a], [b]) => compareCodeUnits(String(a), String(b)));
  if (lists.length > 0) canonical.push(["lists", lists]);
  return sha256(JSON.stringify(canonical)).slice(0, 8);
}

function canonicalField(field: FieldModel): unknown[] {
  return [field.name, canonicalType(field.type), field.optional, field.nullable, field.encrypt];
}

function canonicalType(type: FieldType): unknown[] {
  switch (type.kind) {
    case "scalar":
      return ["scalar", type.scalar, type.format ?? null];
    case "enum":
      return ["enum", type.values];
    case "object":
      return ["object", type.fields.map(canonicalField)];
    case "array":
      return ["array", canonicalType(type.items)];
  }
}
