import type { ScalarType } from "./document-schema.js";
import type { FieldType } from "./fields.js";
import { listNames } from "../wording.js";

const KEYABLE_SCALARS: ReadonlySet<ScalarType> = new Set([
  "string",
  "uuid",
  "int",
  "bigint",
  "boolean",
  "date",
  "datetime",
]);

/** Types whose values can be part of a Redis key: key fields, index fields, tag placeholders. */
export function isKeyable(type: FieldType): boolean {
  return type.kind === "enum" || (type.kind === "scalar" && KEYABLE_SCALARS.has(type.scalar));
}

export const KEYABLE_TYPES = listNames([...KEYABLE_SCALARS, "enum"]);

/** `int`, `enum`, `string[]`, `object`: a type as the schema author would write it. */
export function typeLabel(type: FieldType): string {
  if (type.kind === "scalar") return type.scalar;
  if (type.kind === "array" && type.items.kind === "scalar") return `${type.items.scalar}[]`;
  return type.kind;
}

/** The TypeScript type a value of this type has, for checking that one field can fill another's place. */
export function valueClass(type: FieldType): string {
  if (type.kind === "enum") return "string";
  if (type.kind !== "scalar") return type.kind;
  const classes: Record<ScalarType, string> = {
    string: "string",
    uuid: "string",
    int: "number",
    float: "number",
    bigint: "bigint",
    boolean: "boolean",
    date: "Date",
    datetime: "Date",
    json: "json",
    bytes: "Uint8Array",
  };
  return classes[type.scalar];
}
