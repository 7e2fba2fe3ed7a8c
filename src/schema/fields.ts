import { SCALAR_TYPES, type FieldDocument, type FieldObjectDocument, type ScalarType, type StringFormat } from "./document-schema.js";

/**
 * A field in normalized form: what the shorthand (`string[]`) and object forms of a field
 * definition both mean. Validation checks references against it; the model is built from it.
 */

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

/** A field definition that passed its own schema -> its normalized form. */
export function toFieldModel(name: string, definition: FieldDocument): FieldModel {
  const form: FieldObjectDocument = typeof definition === "string" ? { type: definition } : definition;
  return {
    name,
    type: toFieldType(form),
    optional: form.optional ?? false,
    nullable: form.nullable ?? false,
    encrypt: form.encrypt ?? false,
  };
}

function toFieldType(form: FieldObjectDocument): FieldType {
  const { type } = form;
  const listed = SCALAR_TYPES.find((scalar) => type === `${scalar}[]`);
  if (listed !== undefined) return { kind: "array", items: { kind: "scalar", scalar: listed } };
  switch (type) {
    case "enum":
      return { kind: "enum", values: checked(form.values, "enum values") };
    case "object":
      return {
        kind: "object",
        fields: Object.entries(checked(form.fields, "object fields")).map(([name, member]) =>
          toFieldModel(name, member),
        ),
      };
    case "array": {
      const items = checked(form.items, "array items");
      return { kind: "array", items: toFieldType(typeof items === "string" ? { type: items } : items) };
    }
    default: {
      const scalar = checked(
        SCALAR_TYPES.find((candidate): candidate is ScalarType => candidate === type),
        `scalar ${type}`,
      );
      return form.format === undefined ? { kind: "scalar", scalar } : { kind: "scalar", scalar, format: form.format };
    }
  }
}

/** The field's own schema guarantees these values; a missing one is a bug in cachegen. */
function checked<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`cachegen bug: ${what} missing from a validated field`);
  return value;
}
