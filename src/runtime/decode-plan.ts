import { z } from "zod";
import type { Cursor } from "./compact-form.js";
import { holdsBytes, type FieldModel, type FieldType } from "./descriptor.js";
import { valueSchema } from "./entity-schema.js";
import { MAX_EPOCH_DAYS, positionalFits } from "./positional-form.js";
import { dayExists, DECIMAL, ISO_DATE, ISO_DATETIME } from "./stored-form.js";

/**
 * A precompiled read plan: stored form -> application form, validated, in ONE pass.
 *
 * The plain read path is two passes over every value (`decodeStored` revives Dates
 * and bigints, then the zod schema checks the whole value and copies it). A decode plan is built
 * once per definition from the same field descriptor the zod schema is derived from
 * (entity-schema.ts), and compiled to one straight-line function (`new Function`, as zod itself
 * does for objects) that does both at once: each field is checked exactly as its zod schema would
 * check it, revived, and put in the output (a fresh object with only the declared keys, as zod's
 * non-strict object builds), or the function answers `INVALID`.
 *
 * It is an accelerator, never the judge of a rejection: when it answers `INVALID` the codec runs
 * the plain path (which also words the reason), so a value the plan rejects is still accepted if
 * zod accepts it. The plan must therefore only ever ACCEPT what zod accepts, with the same output.
 * `url` and `json` values hold no Date/bigint and are checked by their own zod schema. A test
 * checks plan and zod against each other on valid, mutated and random values.
 *
 * The same generator compiles the decoder of the positional form (positional-form.ts), whose
 * refusals the codec hands to `namedFromPositional` and zod in the same way.
 */

export const INVALID: unique symbol = Symbol("cachegen.invalid");
export type Invalid = typeof INVALID;

/**
 * Validates and revives one stored value; INVALID when it does not fit. Never mutates its input.
 * `key`: the key the value was read under, already checked by the key schema (a key field equal to
 * it needs no second check; see `Generator.keyField`).
 */
export type DecodeNode = (stored: unknown, key?: unknown) => unknown;

/** Two decimal digits of `s` at `i` (the caller has matched `s` against an ISO pattern). */
function d2(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
}

/**
 * The time value of an ISO datetime that matched ISO_DATETIME; NaN when invalid. Exactly
 * `new Date(s).getTime()` for a day that exists in its month (NaN for one that does not, which
 * `new Date` rolls over: `2024-02-30` is not 1 March), but without the generic string parser for
 * the common case (4-digit year from 1000, day 1 to 28, hour 0 to 23: no rollover or 24:00 rules
 * involved); everything else is left to `new Date`. A test compares the two.
 */
export function isoDateTimeValue(s: string): number {
  if (s.length !== 24) return slowDateValue(s, s);
  const year = d2(s, 0) * 100 + d2(s, 2);
  const month = d2(s, 5);
  const day = d2(s, 8);
  const hour = d2(s, 11);
  const minute = d2(s, 14);
  const second = d2(s, 17);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || second > 59) {
    return slowDateValue(s, s);
  }
  const ms = (s.charCodeAt(20) - 48) * 100 + d2(s, 21);
  return daysSinceEpoch(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil): what `Date.UTC`
 * computes, in a few integer operations (Date.UTC is half the cost of reading a datetime).
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The time value of an ISO date (`YYYY-MM-DD`, matched ISO_DATE) at UTC midnight; NaN when invalid or the day does not exist. */
export function isoDateValue(s: string): number {
  if (s.length !== 10) return slowDateValue(s, `${s}T00:00:00.000Z`);
  const year = d2(s, 0) * 100 + d2(s, 2);
  const month = d2(s, 5);
  const day = d2(s, 8);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28) return slowDateValue(s, `${s}T00:00:00.000Z`);
  return daysSinceEpoch(year, month, day) * 86_400_000;
}

/** `new Date(iso).getTime()`, NaN when the day `s` names does not exist in its month. */
function slowDateValue(s: string, iso: string): number {
  return dayExists(s) ? new Date(iso).getTime() : Number.NaN;
}

/**
 * The decode plan of an entity with these fields (`keyFields`: its key fields, which the key schema
 * has checked in the key a value is read under), or undefined when code generation is not allowed
 * (the codec then keeps the plain path).
 */
export function buildDecodePlan(
  fields: readonly FieldModel[],
  keyFields: readonly string[] = [],
): DecodeNode | undefined {
  // `bytes` are stored per serializer (base64 or binary): such entities take the plain path
  if (fields.some((field) => field.name === "__proto__" || holdsBytes(field.type))) return undefined;
  return compile(new Generator(new Set(keyFields)), fields);
}

/**
 * The decode plan of the positional form of an entity with these fields (positional-form.ts), for
 * the entities `positionalFits` admits; undefined when code generation is not allowed.
 */
export function buildPositionalDecodePlan(
  fields: readonly FieldModel[],
  keyFields: readonly string[] = [],
): DecodeNode | undefined {
  if (!positionalFits(fields)) return undefined;
  return compile(new Generator(new Set(keyFields), "positional"), fields);
}

/**
 * The decoder of the compact form (compact-form.ts): reads a Cursor over the payload and checks and
 * builds the entity as it reads, as the positional decoder does over the parsed array. It answers
 * INVALID where that decoder would, and a Cursor read throws where the text is not a compact value
 * of these fields; the codec then reads it with `readCompact` and judges it as positional JSON.
 */
export function buildCompactDecodePlan(
  fields: readonly FieldModel[],
  keyFields: readonly string[] = [],
): ((cursor: Cursor, key?: unknown) => unknown) | undefined {
  if (!positionalFits(fields)) return undefined;
  return compile(new Generator(new Set(keyFields), "compact"), fields) as
    ((cursor: Cursor, key?: unknown) => unknown) | undefined;
}

function compile(gen: Generator, fields: readonly FieldModel[]): DecodeNode | undefined {
  const input = gen.variable();
  gen.cursor = input;
  const result = gen.object(fields, input, "");
  if (gen.form === "compact") gen.lines.push(`${input}.end();`);
  const body = `return function decode(${input}, key) {\n${gen.lines.join("\n")}\nreturn ${result};\n};`;
  try {
    const factory = new Function(
      "INVALID",
      "ext",
      "ISO_DATETIME",
      "ISO_DATE",
      "DECIMAL",
      "isoDateTimeValue",
      "isoDateValue",
      body,
    ) as (...args: unknown[]) => DecodeNode;
    return factory(INVALID, gen.externals, ISO_DATETIME, ISO_DATE, DECIMAL, isoDateTimeValue, isoDateValue);
  } catch {
    return undefined; // e.g. --disallow-code-generation-from-strings
  }
}

/** The Cursor method that reads a value of this leaf type (compact-form.ts). */
function compactRead(type: FieldType): "string" | "number" | "boolean" | "json" {
  if (type.kind !== "scalar") return "string"; // enum
  switch (type.scalar) {
    case "int":
    case "float":
    case "datetime":
    case "date":
      return "number";
    case "boolean":
      return "boolean";
    case "json":
      return "json";
    default:
      return "string";
  }
}

/** The patterns `z.uuid()` and `z.email()` check with. */
const UUID = z.regexes.uuid();
const EMAIL = z.regexes.email;

/** Emits the checking code of one entity as lines of the decode function. */
class Generator {
  readonly lines: string[] = [];
  /** Regexes, sets and delegated zod schemas the code refers to as `ext[i]`. */
  readonly externals: unknown[] = [];
  private count = 0;
  /** The variable holding the Cursor, in compact form. */
  cursor = "";

  /** The form the code reads: named, positional (positional-form.ts) or compact (compact-form.ts). */
  constructor(
    private readonly keyFields: ReadonlySet<string>,
    readonly form: "named" | "positional" | "compact" = "named",
  ) {}

  variable(): string {
    return `v${this.count++}`;
  }

  private external(value: unknown): string {
    this.externals.push(value);
    return `ext[${this.externals.length - 1}]`;
  }

  private fail(condition: string): void {
    this.lines.push(`if (${condition}) return INVALID;`);
  }

  /** Emits the code that checks the object in variable `input`; returns the expression of the output. */
  object(fields: readonly FieldModel[], input: string, path: string): string {
    if (this.form === "positional") return this.positionalObject(fields, input, path);
    if (this.form === "compact") return this.compactObject(fields, path);
    this.fail(`typeof ${input} !== "object" || ${input} === null || Array.isArray(${input})`);
    const entries: { key: string; value: string; optional: boolean }[] = [];
    for (const field of fields) {
      const name = this.variable();
      const k = JSON.stringify(field.name);
      this.lines.push(`const ${name} = ${input}[${k}];`);
      const childPath = path === "" ? field.name : `${path}.${field.name}`;
      if (field.optional) {
        // zod: an absent optional key stays absent; a present undefined (msgpack) stays undefined.
        const out = this.variable();
        this.lines.push(`let ${out} = undefined;`, `if (${name} !== undefined) {`);
        const result = this.nullable(field, name, childPath);
        this.lines.push(`${out} = ${result};`, "}");
        entries.push({ key: k, value: out, optional: true });
      } else {
        entries.push({ key: k, value: this.nullable(field, name, childPath), optional: false });
      }
    }
    const out = this.variable();
    if (entries.every((e) => !e.optional)) {
      this.lines.push(`const ${out} = { ${entries.map((e) => `${e.key}: ${e.value}`).join(", ")} };`);
      return out;
    }
    this.lines.push(`const ${out} = {};`);
    for (const e of entries) {
      if (e.optional)
        this.lines.push(`if (${e.value} !== undefined || ${e.key} in ${input}) ${out}[${e.key}] = ${e.value};`);
      else this.lines.push(`${out}[${e.key}] = ${e.value};`);
    }
    return out;
  }

  /**
   * The positional form of an object (positional-form.ts): an array of exactly its fields, after a
   * presence mask when it has optional fields; an absent optional field holds null.
   */
  private positionalObject(fields: readonly FieldModel[], input: string, path: string): string {
    const optional = fields.filter((field) => field.optional).length;
    this.fail(`!Array.isArray(${input}) || ${input}.length !== ${fields.length + (optional ? 1 : 0)}`);
    const mask = optional ? this.variable() : "";
    if (optional) {
      this.lines.push(`const ${mask} = ${input}[0];`);
      this.fail(
        `typeof ${mask} !== "number" || !Number.isInteger(${mask}) || ${mask} < 0 || ${mask} >= ${2 ** optional}`,
      );
    }
    const entries: { key: string; value: string; bit: number | undefined }[] = [];
    let at = optional ? 1 : 0;
    let bit = 1;
    for (const field of fields) {
      const name = this.variable();
      const k = JSON.stringify(field.name);
      this.lines.push(`const ${name} = ${input}[${at++}];`);
      const childPath = path === "" ? field.name : `${path}.${field.name}`;
      if (field.optional) {
        const out = this.variable();
        this.lines.push(`let ${out} = undefined;`, `if ((${mask} & ${bit}) !== 0) {`);
        const result = this.nullable(field, name, childPath);
        this.lines.push(`${out} = ${result};`, `} else if (${name} !== null) return INVALID;`);
        entries.push({ key: k, value: out, bit });
        bit *= 2;
      } else {
        entries.push({ key: k, value: this.nullable(field, name, childPath), bit: undefined });
      }
    }
    return this.maskedOutput(entries, mask);
  }

  /** The output object of a positional or compact object: absent optional fields (their bit clear in `mask`) are left out. */
  private maskedOutput(
    entries: readonly { key: string; value: string; bit: number | undefined }[],
    mask: string,
  ): string {
    const out = this.variable();
    if (entries.every((e) => e.bit === undefined)) {
      this.lines.push(`const ${out} = { ${entries.map((e) => `${e.key}: ${e.value}`).join(", ")} };`);
      return out;
    }
    this.lines.push(`const ${out} = {};`);
    for (const e of entries) {
      if (e.bit === undefined) this.lines.push(`${out}[${e.key}] = ${e.value};`);
      else this.lines.push(`if ((${mask} & ${e.bit}) !== 0) ${out}[${e.key}] = ${e.value};`);
    }
    return out;
  }

  /**
   * The compact form of an object: its fields read in order from the cursor, after the presence
   * mask when it has optional fields; an absent optional field holds `n`.
   */
  private compactObject(fields: readonly FieldModel[], path: string): string {
    const c = this.cursor;
    const optional = fields.filter((field) => field.optional).length;
    const mask = optional ? this.variable() : "";
    if (optional) {
      this.lines.push(`const ${mask} = ${c}.number();`);
      this.fail(`!Number.isInteger(${mask}) || ${mask} < 0 || ${mask} >= ${2 ** optional}`);
    }
    const entries: { key: string; value: string; bit: number | undefined }[] = [];
    let bit = 1;
    for (const field of fields) {
      const k = JSON.stringify(field.name);
      const childPath = path === "" ? field.name : `${path}.${field.name}`;
      if (field.optional) {
        const out = this.variable();
        this.lines.push(`let ${out} = undefined;`, `if ((${mask} & ${bit}) !== 0) {`);
        const result = this.compactNullable(field, childPath);
        this.lines.push(`${out} = ${result};`, `} else if (!${c}.nul()) return INVALID;`);
        entries.push({ key: k, value: out, bit });
        bit *= 2;
      } else {
        entries.push({ key: k, value: this.compactNullable(field, childPath), bit: undefined });
      }
    }
    return this.maskedOutput(entries, mask);
  }

  private compactNullable(field: FieldModel, path: string): string {
    if (!field.nullable) return this.compactValue(field.type, path);
    const out = this.variable();
    this.lines.push(`let ${out} = null;`, `if (!${this.cursor}.nul()) {`);
    const result = this.compactValue(field.type, path);
    this.lines.push(`${out} = ${result};`, "}");
    return out;
  }

  /** Reads one value from the cursor and checks it as `value` checks a positional one. */
  private compactValue(type: FieldType, path: string): string {
    const c = this.cursor;
    if (type.kind === "object") {
      this.lines.push(`${c}.open();`);
      return this.compactObject(type.fields, path);
    }
    if (type.kind === "array") {
      const count = this.variable();
      const index = this.variable();
      const out = this.variable();
      this.lines.push(
        `const ${count} = ${c}.count();`,
        `const ${out} = [];`,
        `for (let ${index} = 0; ${index} < ${count}; ${index}++) {`,
      );
      const result = this.compactValue(type.items, `${path}[]`);
      this.lines.push(`${out}.push(${result});`, "}");
      return out;
    }
    const input = this.variable();
    this.lines.push(`const ${input} = ${c}.${compactRead(type)}();`);
    return this.value(type, input, path);
  }

  private nullable(field: FieldModel, input: string, path: string): string {
    if (!field.nullable) return this.value(field.type, input, path);
    const out = this.variable();
    this.lines.push(`let ${out} = null;`, `if (${input} !== null) {`);
    const result = this.value(field.type, input, path);
    this.lines.push(`${out} = ${result};`, "}");
    return out;
  }

  /** Emits the code that checks the value in variable `input`; returns the expression of the output value. */
  private value(type: FieldType, input: string, path: string): string {
    switch (type.kind) {
      case "enum": {
        const { values } = type;
        if (values.length <= 8) this.fail(values.map((v) => `${input} !== ${JSON.stringify(v)}`).join(" && "));
        else this.fail(`!${this.external(new Set(values))}.has(${input})`);
        return input;
      }
      case "object":
        return this.object(type.fields, input, path);
      case "array":
        return this.array(type.items, input, path);
      case "scalar":
        break;
    }
    if (type.format === "email") return this.pattern(EMAIL, input, path);
    if (type.format === "url") return this.delegate(type, input);
    switch (type.scalar) {
      case "string":
        this.fail(`typeof ${input} !== "string"`);
        return input;
      case "uuid":
        return this.pattern(UUID, input, path);
      case "float":
        this.fail(`typeof ${input} !== "number" || !Number.isFinite(${input})`);
        return input;
      case "int":
        this.fail(`!Number.isSafeInteger(${input})`);
        return input;
      case "boolean":
        this.fail(`typeof ${input} !== "boolean"`);
        return input;
      case "bigint": {
        this.fail(`typeof ${input} !== "string" || !DECIMAL.test(${input})`);
        const out = this.variable();
        this.lines.push(`const ${out} = BigInt(${input});`);
        return out;
      }
      case "datetime":
      case "date": {
        const out = this.variable();
        if (this.form !== "named") {
          // epoch ms (datetime) or days (date), integers a Date holds: see positional-form.ts
          const max = type.scalar === "date" ? MAX_EPOCH_DAYS : 8.64e15;
          this.fail(`!Number.isInteger(${input}) || ${input} > ${max} || ${input} < -${max}`);
          this.lines.push(`const ${out} = new Date(${type.scalar === "date" ? `${input} * 86400000` : input});`);
          return out;
        }
        const time = this.variable();
        if (type.scalar === "date") {
          this.fail(`typeof ${input} !== "string" || !ISO_DATE.test(${input})`);
          this.lines.push(`const ${time} = isoDateValue(${input});`);
        } else {
          this.fail(`typeof ${input} !== "string" || !ISO_DATETIME.test(${input})`);
          this.lines.push(`const ${time} = isoDateTimeValue(${input});`);
        }
        this.fail(`Number.isNaN(${time})`);
        this.lines.push(`const ${out} = new Date(${time});`);
        return out;
      }
      case "json":
      case "bytes":
        return this.delegate(type, input);
    }
  }

  /**
   * A string checked by `pattern`. A top-level key field equal to the requested key's value passed
   * this very check (the key schema is derived from the same descriptor) when the key was resolved,
   * so the pattern need not run again (on the bench entity the uuid pattern was about a fifth of
   * the plan's time).
   */
  private pattern(pattern: RegExp, input: string, path: string): string {
    const test = `${this.external(pattern)}.test(${input})`;
    this.fail(
      this.keyFields.has(path)
        ? `typeof ${input} !== "string" || (${input} !== (key === undefined ? undefined : key[${JSON.stringify(path)}]) && !${test})`
        : `typeof ${input} !== "string" || !${test}`,
    );
    return input;
  }

  private array(items: FieldType, input: string, path: string): string {
    this.fail(`!Array.isArray(${input})`);
    const index = this.variable();
    const item = this.variable();
    const out = this.variable();
    const start = this.lines.length;
    this.lines.push(
      `for (let ${index} = 0; ${index} < ${input}.length; ${index}++) {`,
      `const ${item} = ${input}[${index}];`,
    );
    const result = this.value(items, item, `${path}[]`);
    if (result === item) {
      // Items are used as they are (strings, numbers...): check them, and keep the array; it was
      // just parsed from Redis and nothing else holds it.
      this.lines.push("}");
      return input;
    }
    this.lines.splice(start, 0, `const ${out} = new Array(${input}.length);`);
    this.lines.push(`${out}[${index}] = ${result};`, "}");
    return out;
  }

  /** A value whose stored form is its application form, checked by its own zod schema. */
  private delegate(type: FieldType, input: string): string {
    const parsed = this.variable();
    this.lines.push(`const ${parsed} = ${this.external(valueSchema(type))}.safeParse(${input});`);
    this.fail(`!${parsed}.success`);
    return `${parsed}.data`;
  }
}
