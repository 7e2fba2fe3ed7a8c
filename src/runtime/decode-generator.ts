import { z } from "zod";
import type { FieldModel, FieldType } from "./descriptor.js";
import { valueSchema } from "./entity-schema.js";
import { isoDateTimeValue, isoDateValue } from "./iso-date-values.js";
import { MAX_EPOCH_DAYS } from "./positional-form.js";
import { DECIMAL, ISO_DATE, ISO_DATETIME } from "./stored-form.js";

/**
 * The code generator behind the decode plans (decode-plan.ts): checks written as straight-line
 * code, each exactly as the field's zod schema checks it, reviving Dates and bigints and building
 * the output object as they go. This class reads the named form (a JSON object by field name);
 * positional-decoder.ts and compact-decoder.ts read the other stored forms by overriding `object`.
 */

export const INVALID: unique symbol = Symbol("cachegen.invalid");
export type Invalid = typeof INVALID;

/**
 * Validates and revives one stored value; INVALID when it does not fit. Never mutates its input.
 * `key`: the key the value was read under, already checked by the key schema (a key field equal to
 * it needs no second check; see `DecodeGenerator.pattern`).
 */
export type DecodeNode = (stored: unknown, key?: unknown) => unknown;

/** The patterns `z.uuid()` and `z.email()` check with. */
const UUID = z.regexes.uuid();
const EMAIL = z.regexes.email;

/** How `maskedObject` reads one field of a positional or compact object. */
export interface MaskedFields {
  /** Emits the reading and checking of the field at position `at`; returns its output expression. */
  present(field: FieldModel, at: number, path: string): string;
  /** The condition under which position `at` of an absent optional field does not hold its null. */
  notAbsent(at: number): string;
}

/** Emits the checking code of one entity as lines of the decode function. */
export class DecodeGenerator {
  readonly lines: string[] = [];
  /** Regexes, sets and delegated zod schemas the code refers to as `ext[i]`. */
  readonly externals: unknown[] = [];
  private count = 0;
  /** Whether datetimes and dates are stored as epoch ms and days (else as ISO text, the named form). */
  protected readonly epochDates: boolean = false;

  constructor(private readonly keyFields: ReadonlySet<string>) {}

  variable(): string {
    return `v${this.count++}`;
  }

  /** Emits what follows the top-level object once it is read (`input`: the decoder's input). */
  finish(_input: string): void {}

  private external(value: unknown): string {
    this.externals.push(value);
    return `ext[${this.externals.length - 1}]`;
  }

  protected fail(condition: string): void {
    this.lines.push(`if (${condition}) return INVALID;`);
  }

  /** Emits the code that checks the object in variable `input`; returns the expression of the output. */
  object(fields: readonly FieldModel[], input: string, path: string): string {
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
   * An object of the positional and compact forms: its fields in declared order, an optional one
   * read only where `mask` (a variable, "" without optional fields) has its bit; where it has not,
   * the position must hold the absent marker. Fields start at position `first` (after the mask).
   */
  protected maskedObject(
    fields: readonly FieldModel[],
    path: string,
    mask: string,
    first: number,
    read: MaskedFields,
  ): string {
    const entries: { key: string; value: string; bit: number | undefined }[] = [];
    let at = first;
    let bit = 1;
    for (const field of fields) {
      const k = JSON.stringify(field.name);
      const childPath = path === "" ? field.name : `${path}.${field.name}`;
      const position = at++;
      if (field.optional) {
        const out = this.variable();
        this.lines.push(`let ${out} = undefined;`, `if ((${mask} & ${bit}) !== 0) {`);
        const result = read.present(field, position, childPath);
        this.lines.push(`${out} = ${result};`, `} else if (${read.notAbsent(position)}) return INVALID;`);
        entries.push({ key: k, value: out, bit });
        bit *= 2;
      } else {
        entries.push({ key: k, value: read.present(field, position, childPath), bit: undefined });
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

  protected nullable(field: FieldModel, input: string, path: string): string {
    if (!field.nullable) return this.value(field.type, input, path);
    const out = this.variable();
    this.lines.push(`let ${out} = null;`, `if (${input} !== null) {`);
    const result = this.value(field.type, input, path);
    this.lines.push(`${out} = ${result};`, "}");
    return out;
  }

  /** Emits the code that checks the value in variable `input`; returns the expression of the output value. */
  protected value(type: FieldType, input: string, path: string): string {
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
        if (this.epochDates) {
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

/** Compiles what `gen` emits for these fields into the decode function; undefined when code generation is not allowed. */
export function compile(gen: DecodeGenerator, fields: readonly FieldModel[]): DecodeNode | undefined {
  const input = gen.variable();
  const result = gen.object(fields, input, "");
  gen.finish(input);
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
