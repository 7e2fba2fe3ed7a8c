/**
 * The one description of an entity's shape: a field descriptor, written in the schema language's
 * own field syntax (SPEC §3), that generated code hands to `defineEntity`. The runtime derives the
 * zod schema, the key schema, the stored form and the decoder from it (entity-schema.ts,
 * stored-form.ts, decode-plan.ts); the generator normalizes schema files with the same function.
 */

export const SCALAR_TYPES = [
  "string",
  "int",
  "float",
  "boolean",
  "uuid",
  "datetime",
  "date",
  "bigint",
  "json",
  "bytes",
] as const;
export const STRING_FORMATS = ["email", "url"] as const;

export type ScalarType = (typeof SCALAR_TYPES)[number];
export type StringFormat = (typeof STRING_FORMATS)[number];

/** `uuid`, `string[]`: a field without modifiers, as a plain string. */
export type ShorthandType = ScalarType | `${ScalarType}[]`;

/** A field in object form: `{ type: "int", optional: true }`, `{ type: "enum", values: [...] }`. */
export interface FieldShapeObject {
  readonly type: ShorthandType | "enum" | "object" | "array";
  readonly format?: StringFormat | undefined;
  readonly values?: readonly string[] | undefined;
  readonly fields?: Readonly<Record<string, FieldShape>> | undefined;
  /** Array items take no modifiers. */
  readonly items?: FieldShape | undefined;
  readonly optional?: boolean | undefined;
  readonly nullable?: boolean | undefined;
  /** Stored in Redis as AES-256-GCM ciphertext (top-level fields only). */
  readonly encrypt?: boolean | undefined;
}

export type FieldShape = ShorthandType | FieldShapeObject;

/** An entity's fields by name, in declaration order. */
export type EntityFields = Readonly<Record<string, FieldShape>>;

/** A field in normalized form: what the shorthand and object forms of a field both mean. */
export type FieldType =
  | { readonly kind: "scalar"; readonly scalar: ScalarType; readonly format?: StringFormat }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "object"; readonly fields: readonly FieldModel[] }
  | { readonly kind: "array"; readonly items: FieldType };

export interface FieldModel {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  readonly nullable: boolean;
  /** Stored in Redis as AES-256-GCM ciphertext (top-level fields only). */
  readonly encrypt: boolean;
}

/** Whether a `bytes` value appears anywhere in the type. */
export function holdsBytes(type: FieldType): boolean {
  if (type.kind === "scalar") return type.scalar === "bytes";
  if (type.kind === "object") return type.fields.some((field) => holdsBytes(field.type));
  return type.kind === "array" && holdsBytes(type.items);
}

/** Whether a `json` value appears anywhere in the type (the one kind of value that nests without bound). */
export function holdsJson(type: FieldType): boolean {
  switch (type.kind) {
    case "scalar":
      return type.scalar === "json";
    case "enum":
      return false;
    case "object":
      return type.fields.some((field) => holdsJson(field.type));
    case "array":
      return holdsJson(type.items);
  }
}

/** How a key part is validated and turned into text for the Redis key. */
export type KeyPartType = "string" | "uuid" | "int" | "float" | "boolean" | "bigint" | "datetime" | "date" | "enum";

export function fieldModels(fields: EntityFields): FieldModel[] {
  return Object.entries(fields).map(([name, shape]) => fieldModel(name, shape));
}

/** A field descriptor -> its normalized form. */
export function fieldModel(name: string, shape: FieldShape): FieldModel {
  const form: FieldShapeObject = typeof shape === "string" ? { type: shape } : shape;
  return {
    name,
    type: fieldType(name, form),
    optional: form.optional ?? false,
    nullable: form.nullable ?? false,
    encrypt: form.encrypt ?? false,
  };
}

function fieldType(name: string, form: FieldShapeObject): FieldType {
  const { type } = form;
  const listed = SCALAR_TYPES.find((scalar) => type === `${scalar}[]`);
  if (listed !== undefined) return { kind: "array", items: { kind: "scalar", scalar: listed } };
  switch (type) {
    case "enum":
      return { kind: "enum", values: present(name, form.values, "enum values") };
    case "object":
      return { kind: "object", fields: fieldModels(present(name, form.fields, "object fields")) };
    case "array": {
      const items = present(name, form.items, "array items");
      return { kind: "array", items: fieldType(`${name}[]`, typeof items === "string" ? { type: items } : items) };
    }
    default: {
      const scalar = present(
        name,
        SCALAR_TYPES.find((candidate) => candidate === type),
        `a known type (got ${JSON.stringify(type)})`,
      );
      return form.format === undefined ? { kind: "scalar", scalar } : { kind: "scalar", scalar, format: form.format };
    }
  }
}

function present<T>(field: string, value: T | undefined, what: string): T {
  if (value === undefined) throw new TypeError(`cachegen: field "${field}" has no ${what}`);
  return value;
}

/** How a key field of this type is validated and encoded; undefined for a type no key can have. */
export function keyPartType(type: FieldType): KeyPartType | undefined {
  if (type.kind === "enum") return "enum";
  if (type.kind === "scalar" && type.scalar !== "json" && type.scalar !== "bytes") return type.scalar;
  return undefined;
}

/** A `date` (not `datetime`) value: stored as `YYYY-MM-DD`, read as UTC midnight. */
export function isDateOnly(type: FieldType): boolean {
  return type.kind === "scalar" && type.scalar === "date";
}
