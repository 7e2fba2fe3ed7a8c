import type { Strategy } from "./definition.js";
import { holdsBytes, type FieldModel, type FieldType } from "./descriptor.js";
import { DECIMAL } from "./stored-form.js";

/**
 * The positional stored form (JSON entities): an object is an array of its fields in declared order
 * (the order the shape hash covers, so a namespace changes whenever a position would); nested
 * objects likewise, arrays of objects as arrays of arrays. An object with optional fields starts
 * with a presence mask (bit i: the i-th optional field, in declared order, is present) and holds
 * `null` at the position of an absent one, so absent and null stay distinct. Leaves: datetime ->
 * epoch milliseconds, date -> epoch days (a `date` is read as UTC midnight, as in the named form),
 * bigint -> decimal string; everything else as is.
 *
 * Smaller than the named form and cheaper to parse (no key strings, numbers for dates). Readers take
 * both forms (a JSON object is the named form, an array this one), so values written by the
 * previous runtime keep decoding during a rolling upgrade.
 */

/** The most optional fields of one object a presence mask holds (bitwise operators work on 31 bits). */
export const MAX_OPTIONAL_FIELDS = 30;

/** Epoch days a Date can hold (±8.64e15 ms). */
export const MAX_EPOCH_DAYS = 100_000_000;
const MS_PER_DAY = 86_400_000;

/**
 * Whether values with these fields are written positionally. Not: entities holding bytes (stored as
 * base64 per serializer, no compiled decoder), encrypted fields (each ciphertext is bound to its
 * field name and stays a named entry), a field named `__proto__`, or more optional fields in one
 * object than a mask holds. The serializer (msgpack keeps maps) is the codec's call.
 */
export function positionalFits(fields: readonly FieldModel[]): boolean {
  if (fields.some((field) => field.encrypt || field.name === "__proto__" || holdsBytes(field.type))) return false;
  return objectFits(fields);
}

function objectFits(fields: readonly FieldModel[]): boolean {
  if (fields.filter((field) => field.optional).length > MAX_OPTIONAL_FIELDS) return false;
  return fields.every((field) => typeFits(field.type));
}

function typeFits(type: FieldType): boolean {
  if (type.kind === "object") return type.fields.every((f) => f.name !== "__proto__") && objectFits(type.fields);
  if (type.kind === "array") return typeFits(type.items);
  return true;
}

/**
 * Whether values of this entity are written positionally (readers take both forms whatever this says).
 * msgpack keeps maps: its map decoding was never the cost. Write-behind keeps the named form: its
 * queue entries carry the stored value, and a worker of the previous runtime that cannot decode one
 * retries it into the dead-letter stream; readers of this runtime take both, so a later release can
 * switch it without that window.
 */
export function writesPositional(definition: {
  readonly serializer: "json" | "msgpack";
  readonly strategy: Strategy;
  readonly fieldModels: readonly FieldModel[];
}): boolean {
  return (
    definition.serializer === "json" && definition.strategy !== "write-behind" && positionalFits(definition.fieldModels)
  );
}

/** Application form (an entity the schema accepted) -> positional form. Never mutates `entity`. */
export function encodePositional(entity: unknown, fields: readonly FieldModel[]): unknown[] {
  const record = entity as Record<string, unknown>;
  const out: unknown[] = [];
  let mask = 0;
  let bit = 1;
  const hasOptional = fields.some((field) => field.optional);
  if (hasOptional) out.push(0);
  for (const field of fields) {
    const value = record[field.name];
    if (field.optional) {
      // JSON has no undefined: a present undefined is absent, as in the named form
      if (value !== undefined) mask |= bit;
      bit <<= 1;
      if (value === undefined) {
        out.push(null);
        continue;
      }
    }
    out.push(value === null ? null : encodeValue(value, field.type));
  }
  if (hasOptional) out[0] = mask;
  return out;
}

function encodeValue(value: unknown, type: FieldType): unknown {
  switch (type.kind) {
    case "object":
      return encodePositional(value, type.fields);
    case "array":
      return needsConverting(type.items) ? (value as unknown[]).map((v) => encodeValue(v, type.items)) : value;
    case "enum":
      return value;
    case "scalar":
      switch (type.scalar) {
        case "datetime":
          return (value as Date).getTime();
        case "date":
          return Math.floor((value as Date).getTime() / MS_PER_DAY);
        case "bigint":
          return (value as bigint).toString();
        default:
          return value;
      }
  }
}

function needsConverting(type: FieldType): boolean {
  if (type.kind === "object") return true;
  if (type.kind === "array") return needsConverting(type.items);
  return type.kind === "scalar" && (type.scalar === "datetime" || type.scalar === "date" || type.scalar === "bigint");
}

export type Named = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/**
 * Positional form (untrusted, just parsed) -> the application form before the schema judges it:
 * arrays become objects with the declared names, valid leaves are revived (epoch ms and days to
 * Dates, decimal strings to bigints), anything else is left as it is for the schema to reject. An
 * array that cannot be an object of these fields (length, mask, a value at an absent position) is
 * refused here with the reason. What the compiled decoder accepts must be exactly what this plus
 * the schema accepts (a test compares them).
 */
export function namedFromPositional(value: unknown, fields: readonly FieldModel[], path = ""): Named {
  if (!Array.isArray(value)) return { ok: false, reason: `positional value at ${path || "(root)"} is not an array` };
  const optional = fields.filter((field) => field.optional).length;
  const expected = fields.length + (optional ? 1 : 0);
  const where = path || "(root)";
  if (value.length !== expected)
    return { ok: false, reason: `positional value at ${where} has ${value.length} elements, expected ${expected}` };
  let mask = 0;
  let at = 0;
  if (optional) {
    mask = value[0] as number;
    at = 1;
    if (!Number.isInteger(mask) || mask < 0 || mask >= 2 ** optional)
      return { ok: false, reason: `positional value at ${where} has a bad presence mask` };
  }
  const out: Record<string, unknown> = {};
  let bit = 1;
  for (const field of fields) {
    const item: unknown = value[at++];
    const childPath = path ? `${path}.${field.name}` : field.name;
    if (field.optional) {
      const present = (mask & bit) !== 0;
      bit <<= 1;
      if (!present) {
        if (item !== null) return { ok: false, reason: `positional value at ${childPath}: absent but not null` };
        continue;
      }
    }
    if (item === null) {
      out[field.name] = null;
      continue;
    }
    const revived = reviveValue(item, field.type, childPath);
    if (!revived.ok) return revived;
    out[field.name] = revived.value;
  }
  return { ok: true, value: out };
}

function reviveValue(value: unknown, type: FieldType, path: string): Named {
  switch (type.kind) {
    case "object":
      return namedFromPositional(value, type.fields, path);
    case "array": {
      if (!Array.isArray(value) || !needsConverting(type.items)) return { ok: true, value };
      const out: unknown[] = [];
      for (const item of value) {
        const revived = reviveValue(item, type.items, `${path}[]`);
        if (!revived.ok) return revived;
        out.push(revived.value);
      }
      return { ok: true, value: out };
    }
    case "enum":
      return { ok: true, value };
    case "scalar":
      return { ok: true, value: reviveLeaf(value, type.scalar) };
  }
}

function reviveLeaf(value: unknown, scalar: string): unknown {
  switch (scalar) {
    case "datetime":
      return isEpochMs(value) ? new Date(value) : value;
    case "date":
      return isEpochDays(value) ? new Date(value * MS_PER_DAY) : value;
    case "bigint":
      return typeof value === "string" && DECIMAL.test(value) ? BigInt(value) : value;
    default:
      return value;
  }
}

/** An integer a Date holds exactly (|t| <= 8.64e15): what the positional form stores for a datetime. */
export function isEpochMs(value: unknown): value is number {
  return Number.isInteger(value) && Math.abs(value as number) <= 8.64e15;
}

export function isEpochDays(value: unknown): value is number {
  return Number.isInteger(value) && Math.abs(value as number) <= MAX_EPOCH_DAYS;
}

/**
 * `encodePositional` compiled for these fields to one expression (as the decoder is), or undefined
 * when code generation is not allowed (then `encodePositional` itself is used).
 */
export function compilePositionalEncoder(fields: readonly FieldModel[]): ((entity: unknown) => unknown[]) | undefined {
  let count = 0;
  const objectExpr = (fields: readonly FieldModel[], input: string): string => {
    const optional = fields.filter((field) => field.optional);
    const items: string[] = [];
    if (optional.length) {
      items.push(
        optional
          .map((field, i) => `(${input}[${JSON.stringify(field.name)}] !== undefined ? ${2 ** i} : 0)`)
          .join(" | "),
      );
    }
    for (const field of fields) {
      const at = `${input}[${JSON.stringify(field.name)}]`;
      let expr = valueExpr(field.type, at);
      if (field.nullable) expr = `(${at} === null ? null : ${expr})`;
      if (field.optional) expr = `(${at} === undefined ? null : ${expr})`;
      items.push(expr);
    }
    return `[${items.join(", ")}]`;
  };
  const valueExpr = (type: FieldType, input: string): string => {
    switch (type.kind) {
      case "object":
        return objectExpr(type.fields, input);
      case "array": {
        if (!needsConverting(type.items)) return input;
        const item = `x${count++}`;
        return `${input}.map((${item}) => ${valueExpr(type.items, item)})`;
      }
      case "enum":
        return input;
      case "scalar":
        switch (type.scalar) {
          case "datetime":
            return `${input}.getTime()`;
          case "date":
            return `Math.floor(${input}.getTime() / ${MS_PER_DAY})`;
          case "bigint":
            return `${input}.toString()`;
          default:
            return input;
        }
    }
  };
  try {
    return new Function("e", `return ${objectExpr(fields, "e")};`) as (entity: unknown) => unknown[];
  } catch {
    return undefined; // e.g. --disallow-code-generation-from-strings
  }
}
