import { z } from "zod";
import type { FieldModel, FieldType, ScalarType } from "./descriptor.js";

/** The zod schemas of an entity, derived from its field descriptor. */

const scalarSchemas: Record<ScalarType, () => z.ZodType> = {
  string: () => z.string(),
  int: () => z.int(),
  float: () => z.number(),
  boolean: () => z.boolean(),
  uuid: () => z.uuid(),
  datetime: () => z.date(),
  date: () => z.date(),
  bigint: () => z.bigint(),
  json: () => z.json(),
  bytes: () => z.instanceof(Uint8Array),
};

/** The schema of a value of this type, without a field's optional/nullable modifiers. */
export function valueSchema(type: FieldType): z.ZodType {
  switch (type.kind) {
    case "scalar":
      if (type.format === "email") return z.email();
      if (type.format === "url") return z.url();
      return scalarSchemas[type.scalar]();
    case "enum":
      return z.enum(type.values as [string, ...string[]]);
    case "object":
      return z.object(fieldSchemas(type.fields));
    case "array":
      return z.array(valueSchema(type.items));
  }
}

export function fieldSchema(field: FieldModel): z.ZodType {
  const value = valueSchema(field.type);
  const nullable = field.nullable ? value.nullable() : value;
  return field.optional ? nullable.optional() : nullable;
}

/** Each field's schema, by name, in declaration order (the shape of the entity's `z.object`). */
export function fieldSchemas(fields: readonly FieldModel[]): Record<string, z.ZodType> {
  return Object.fromEntries(fields.map((field) => [field.name, fieldSchema(field)]));
}

/** The key object's schema: each key field's value schema (a key part is never absent or null). */
export function keySchema(keyFields: readonly FieldModel[]): z.ZodType {
  return z.object(Object.fromEntries(keyFields.map((field) => [field.name, valueSchema(field.type)])));
}
