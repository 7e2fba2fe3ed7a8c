import type { EntityModel, FieldModel, FieldType } from "../model/model.js";
import { objectLiteral, propertyKey, stringLiteral } from "./typescript-syntax.js";
import { valueSchema } from "../runtime/entity-schema.js";

/**
 * Deterministic sample values for the generated tests, as TypeScript expressions.
 * Variant 1 is the stored entity, variant 2 its update (every non-key value differs, and a
 * `versionField` increases), variant 3 a value that is stored nowhere (for lookups that must miss;
 * none exists where every field looked up is a one-value enum, see `entity-test-view.ts`):
 * every field of variant 3 differs from variant 1 wherever its type has two values (a boolean or a
 * two-value enum then equals variant 2, which the lookups that must miss never meet stored).
 */
export type Variant = 1 | 2 | 3;

export type SampleFields = ReadonlyMap<string, string>;

/**
 * One expression per top-level field; `variantOf` picks the variant of each field. Nullable fields
 * are null in variant 2, except the `versionField`, which must stay comparable; the `expiresAt`
 * field is in the future. A field that fills a key field of another entity (`invalidates`, looked
 * up in `entities`) takes a value that key field accepts.
 */
export function sampleFields(
  entity: EntityModel,
  entities: readonly EntityModel[],
  variantOf: (field: FieldModel) => Variant,
): SampleFields {
  const writer = new SampleWriter();
  const keyTypes = invalidatedKeyTypes(entity, entities);
  return new Map(
    entity.fields.map((field) => {
      const keyType = keyTypes.get(field.name);
      const sampled = keyType === undefined ? field : { ...field, type: sampleTypeFilling(field.type, keyType) };
      return [
        field.name,
        field.name === entity.expiresAt
          ? expiryOf(field, variantOf(field))
          : writer.field(sampled, variantOf(field), field.name !== entity.versionField),
      ];
    }),
  );
}

/** This entity's fields that fill another entity's key field (`invalidates`) -> that key field's type. */
function invalidatedKeyTypes(entity: EntityModel, entities: readonly EntityModel[]): Map<string, FieldType> {
  const keyTypes = new Map<string, FieldType>();
  for (const target of entity.invalidates) {
    const other = entities.find((candidate) => candidate.name === target.entity);
    for (const [keyField, field] of Object.entries(target.key)) {
      const keyType = other?.fields.find((candidate) => candidate.name === keyField)?.type;
      if (keyType !== undefined && !keyTypes.has(field)) keyTypes.set(field, keyType);
    }
  }
  return keyTypes;
}

/**
 * The type a field's samples take so that they also fit the key field it fills: an `enum` keeps
 * the values the key accepts, a plain `string` filling an `enum` or `uuid` key takes the key's
 * type, a `datetime` filling a `date` key midnights. Otherwise the field's own type, whose values
 * fit (validation refuses a field none of whose values fit).
 */
function sampleTypeFilling(own: FieldType, key: FieldType): FieldType {
  const fits = (type: FieldType, value: string) => valueSchema(type).safeParse(value).success;
  if (own.kind === "enum") return { kind: "enum", values: own.values.filter((value) => fits(key, value)) };
  if (key.kind === "enum") return { kind: "enum", values: key.values.filter((value) => fits(own, value)) };
  if (own.kind !== "scalar" || key.kind !== "scalar") return own;
  if (own.scalar === "string" && own.format === undefined && key.scalar === "uuid") return key;
  if (own.scalar === "datetime" && key.scalar === "date") return key;
  return own;
}

/** The `expiresAt` field: far in the future, so the generated tests' values are cached. */
function expiryOf(field: FieldModel, variant: Variant): string {
  return field.nullable && variant === 2 ? "null" : `new Date("2999-01-0${variant + 1}T03:04:05.000Z")`;
}

export function sampleLiteral(fields: SampleFields): string {
  return objectLiteral([...fields].map(([name, value]) => `${propertyKey(name)}: ${value}`));
}

/**
 * Numbers uuids in the order fields are visited, so the same field gets the same uuid in every
 * variant that visits fields in the same order, and different fields get different uuids.
 */
class SampleWriter {
  private uuidCount = 0;

  field(field: FieldModel, variant: Variant, mayBeNull = true): string {
    const value = this.value(field.type, field.name, variant);
    return mayBeNull && field.nullable && variant === 2 ? "null" : value;
  }

  private value(type: FieldType, name: string, variant: Variant): string {
    switch (type.kind) {
      case "enum":
        return stringLiteral(type.values[enumIndex(type.values.length, variant)] ?? "");
      case "object":
        return objectLiteral(type.fields.map((field) => `${propertyKey(field.name)}: ${this.field(field, variant)}`));
      case "array":
        return `[${this.value(type.items, name, variant)}]`;
      case "scalar":
        switch (type.scalar) {
          case "string":
            if (type.format === "email") return stringLiteral(`user${variant}@example.com`);
            if (type.format === "url") return stringLiteral(`https://example.com/${name}/${variant}`);
            return stringLiteral(`${name} ${variant}`);
          case "uuid":
            this.uuidCount += 1;
            return stringLiteral(
              `00000000-0000-4000-8000-${String(variant * 10_000 + this.uuidCount).padStart(12, "0")}`,
            );
          case "int":
            return String(variant);
          case "float":
            return `${variant}.5`;
          case "boolean":
            return String(variant === 1);
          case "datetime":
            return `new Date("2024-01-0${variant + 1}T03:04:05.000Z")`;
          case "date":
            return `new Date("2024-01-0${variant + 1}T00:00:00.000Z")`;
          case "bigint":
            return `${12345678901234567889n + BigInt(variant)}n`;
          case "json":
            return variant === 1 ? `{ note: "sample" }` : `{ note: "sample ${variant}" }`;
          case "bytes":
            return `Uint8Array.of(${variant}, 0, 255)`;
        }
    }
  }
}

/** Which of an enum's values a variant takes: the first, the second, and a third (or the last) other than the first. */
function enumIndex(count: number, variant: Variant): number {
  if (count <= 1) return 0;
  return variant === 1 ? 0 : variant === 2 ? 1 : Math.min(2, count - 1);
}
