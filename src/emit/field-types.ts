import type { KeyPartType } from "../runtime/definition.js";
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
};

const scalarSchemas: Record<ScalarType, string> = {
  string: "z.string()",
  int: "z.int()",
  float: "z.number()",
  boolean: "z.boolean()",
  uuid: "z.uuid()",
  datetime: "z.date()",
  date: "z.date()",
  bigint: "z.bigint()",
  json: "z.json()",
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

/** The zod expression that checks a value, without the field's modifiers. */
export function valueSchema(type: FieldType): string {
  switch (type.kind) {
    case "scalar":
      if (type.scalar === "string" && type.format) return `z.${type.format}()`;
      return scalarSchemas[type.scalar];
    case "enum":
      return `z.enum(${stringArrayLiteral(type.values)})`;
    case "object":
      return `z.object(${objectLiteral(type.fields.map((field) => `${propertyKey(field.name)}: ${fieldSchema(field)}`))})`;
    case "array":
      return `z.array(${valueSchema(type.items)})`;
  }
}

export function fieldSchema(field: FieldModel): string {
  return `${valueSchema(field.type)}${field.nullable ? ".nullable()" : ""}${field.optional ? ".optional()" : ""}`;
}

/** Whether a `JsonValue` appears anywhere in the type, so the file must import it. */
export function usesJson(type: FieldType): boolean {
  switch (type.kind) {
    case "scalar":
      return type.scalar === "json";
    case "enum":
      return false;
    case "object":
      return type.fields.some((field) => usesJson(field.type));
    case "array":
      return usesJson(type.items);
  }
}

/** How the runtime validates and encodes a key part of this type. */
export function keyPartType(field: FieldModel): KeyPartType {
  const { type } = field;
  if (type.kind === "enum") return "enum";
  if (type.kind === "scalar" && type.scalar !== "json") return type.scalar;
  throw new Error(`cachegen bug: key field ${field.name} has a type that cannot be a key part`);
}

export function isDateType(type: FieldType): boolean {
  return type.kind === "scalar" && (type.scalar === "datetime" || type.scalar === "date");
}
