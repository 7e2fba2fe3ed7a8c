import { keyPartType as runtimeKeyPartType, type KeyPartType } from "../runtime/descriptor.js";
import type { FieldModel, FieldType, ScalarType } from "../model/model.js";
import { objectLiteral, parameterName, propertyKey, stringArrayLiteral, stringLiteral } from "./typescript-syntax.js";

const scalarTypes: Record<ScalarType, string> = {
  string: "string",
  int: "number",
  float: "number",
  boolean: "boolean",
  uuid: "string",
  datetime: "Date",
  date: "Date",
  bigint: "bigint",
  json: "JsonValue",
  bytes: "Uint8Array",
};

/** The application-side TypeScript type of a value, without the field's optional/nullable modifiers. */
export function valueType(type: FieldType): string {
  switch (type.kind) {
    case "scalar":
      return scalarTypes[type.scalar];
    case "enum":
      return type.values.map(stringLiteral).join(" | ");
    case "object":
      return `{ ${type.fields.map(fieldSignature).join("; ")} }`;
    case "array": {
      const items = valueType(type.items);
      return type.items.kind === "enum" && type.items.values.length > 1 ? `(${items})[]` : `${items}[]`;
    }
  }
}

/** The type of a field's property: its value type widened by `null` and `undefined` as declared. */
export function fieldType(field: FieldModel): string {
  return [valueType(field.type), field.nullable ? "null" : "", field.optional ? "undefined" : ""]
    .filter(Boolean)
    .join(" | ");
}

/** `name?: type` as written in an interface or object type. */
export function fieldSignature(field: FieldModel): string {
  return `${propertyKey(field.name)}${field.optional ? "?" : ""}: ${fieldType(field)}`;
}

/** `email: string, teamId: string`: a method's parameters for lookups by these fields. */
export function parameterList(fields: readonly FieldModel[]): string {
  return fields.map((field) => `${parameterName(field.name)}: ${valueType(field.type)}`).join(", ");
}

/** The field's descriptor as `defineEntity` takes it: `"uuid"`, `"string[]"`, or the object form. */
export function fieldShape(field: FieldModel): string {
  const modifiers = [
    field.optional ? "optional: true" : "",
    field.nullable ? "nullable: true" : "",
    field.encrypt ? "encrypt: true" : "",
  ].filter(Boolean);
  return typeShape(field.type, modifiers);
}

/** `{ a: "uuid", b: { type: "int", optional: true } }`: the descriptor of these fields. */
export function fieldShapes(fields: readonly FieldModel[]): string {
  return objectLiteral(fields.map((field) => `${propertyKey(field.name)}: ${fieldShape(field)}`));
}

function typeShape(type: FieldType, modifiers: readonly string[]): string {
  const shorthand = shorthandType(type);
  if (shorthand !== undefined && modifiers.length === 0) return stringLiteral(shorthand);
  const properties = ((): string[] => {
    switch (type.kind) {
      case "scalar":
        return [
          `type: ${stringLiteral(type.scalar)}`,
          ...(type.format ? [`format: ${stringLiteral(type.format)}`] : []),
        ];
      case "enum":
        return [`type: "enum"`, `values: ${stringArrayLiteral(type.values)}`];
      case "object":
        return [`type: "object"`, `fields: ${fieldShapes(type.fields)}`];
      case "array":
        return shorthand === undefined
          ? [`type: "array"`, `items: ${typeShape(type.items, [])}`]
          : [`type: ${stringLiteral(shorthand)}`];
    }
  })();
  return objectLiteral([...properties, ...modifiers]);
}

/** `uuid`, `string[]`: the type as a plain string, where it has one. */
function shorthandType(type: FieldType): string | undefined {
  if (type.kind === "scalar") return type.format === undefined ? type.scalar : undefined;
  if (type.kind === "array" && type.items.kind === "scalar" && type.items.format === undefined)
    return `${type.items.scalar}[]`;
  return undefined;
}

/** How the runtime validates and encodes a key part of this type. */
export function keyPartType(field: FieldModel): KeyPartType {
  const part = runtimeKeyPartType(field.type);
  if (part === undefined) throw new Error(`cachegen bug: key field ${field.name} has a type that cannot be a key part`);
  return part;
}

export function isDateType(type: FieldType): boolean {
  return type.kind === "scalar" && (type.scalar === "datetime" || type.scalar === "date");
}
