import { sha256 } from "../hash.js";
import type { FieldModel, FieldType, Serializer } from "./model.js";

/** Everything that decides how a stored value decodes; TTLs, strategy, indexes and tags do not. */
export interface StoredShape {
  readonly fields: readonly FieldModel[];
  readonly key: readonly string[];
  readonly serializer: Serializer;
}

/**
 * The first 8 hex digits of the SHA-256 of a canonical JSON of the shape. Arrays, not objects,
 * keep the canonical form independent of property order; fields stay in declared order.
 */
export function shapeHash(shape: StoredShape): string {
  const canonical = [shape.fields.map(canonicalField), shape.key, shape.serializer];
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
