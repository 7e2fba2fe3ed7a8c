import type { z } from "zod";
import { buildPlan, dayExists } from "./stored-form.js";

/**
 * A precompiled read plan: stored form -> application form, validated, in ONE pass.
 *
 * The plain read path is two passes over every value (`decodeStored` revives Dates
 * and bigints, then the zod schema checks the whole value and copies it). A decode plan is built
 * once per definition by walking the same zod schema and compiling it to one straight-line function
 * (`new Function`, as zod itself does for objects) that does both at once: each field is checked
 * exactly as zod would check it, revived, and put in the output (a fresh object with only the
 * declared keys, as zod's non-strict object builds), or the function answers `INVALID`.
 *
 * It is an accelerator, never the judge of a rejection: when it answers `INVALID` the codec runs
 * the plain path (which also words the reason), so a value the plan rejects is still accepted if
 * zod accepts it. The plan must therefore only ever ACCEPT what zod accepts, with the same output.
 * That is why it compiles only the zod constructs it knows exactly (recognized by their `$Zod*`
 * traits, with no extra checks): the ones `cachegen generate` emits (object, string, uuid, email,
 * int, number, boolean, bigint, date, enum, array, optional, nullable). A subtree it does not know
 * and that holds no Date/bigint (e.g. `z.json()`) is checked by its own zod schema; anything else
 * means no plan at all (the codec keeps the plain path). A test checks plan and zod against each
 * other on valid, mutated and random values.
 */

export const INVALID: unique symbol = Symbol("cachegen.invalid");
export type Invalid = typeof INVALID;

/**
 * Validates and revives one stored value; INVALID when it does not fit. Never mutates its input.
 * `key`: the key the value was read under, already checked by the key schema (a key field equal to
 * it needs no second check; see `Generator.keyField`).
 */
export type DecodeNode = (stored: unknown, key?: unknown) => unknown;

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      checks?: unknown[];
      check?: string;
      format?: string;
      pattern?: RegExp;
      coerce?: boolean;
      shape?: Record<string, z.ZodType>;
      catchall?: unknown;
      element?: z.ZodType;
      innerType?: z.ZodType;
    };
    traits: Set<string>;
    values?: Set<unknown>;
    optin?: string;
    optout?: string;
  };
}

const ISO_DATETIME = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_DATE = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\d$/;
const DECIMAL = /^-?\d{1,4096}$/;

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

/** The `$Zod*` (core) traits of a schema, sorted and joined: identifies the construct exactly. */
function coreTraits(schema: ZodInternals): string {
  return [...schema._zod.traits]
    .filter((t) => t.startsWith("$"))
    .sort()
    .join(",");
}

const T = {
  string: "$ZodString,$ZodType",
  uuid: "$ZodCheck,$ZodCheckStringFormat,$ZodString,$ZodStringFormat,$ZodType,$ZodUUID",
  email: "$ZodCheck,$ZodCheckStringFormat,$ZodEmail,$ZodString,$ZodStringFormat,$ZodType",
  number: "$ZodNumber,$ZodType",
  int: "$ZodCheck,$ZodCheckNumberFormat,$ZodNumber,$ZodNumberFormat,$ZodType",
  boolean: "$ZodBoolean,$ZodType",
  bigint: "$ZodBigInt,$ZodType",
  date: "$ZodDate,$ZodType",
  enum: "$ZodEnum,$ZodType",
  array: "$ZodArray,$ZodType",
  optional: "$ZodOptional,$ZodType",
  nullable: "$ZodNullable,$ZodType",
  object: "$ZodObject,$ZodType",
  objectJit: "$ZodObject,$ZodObjectJIT,$ZodType",
} as const;

class NoPlan extends Error {}

/**
 * The decode plan of `schema` (an entity schema, as in the definition), or undefined when the
 * schema uses something the plan cannot reproduce exactly, or code generation is not allowed
 * (the codec then keeps the plain path). `dateFields` and `keySchema` as in the definition.
 */
export function buildDecodePlan(
  schema: z.ZodType,
  dateFields: readonly string[] = [],
  keySchema?: z.ZodType,
): DecodeNode | undefined {
  const root = schema as unknown as ZodInternals;
  if (!root?._zod?.traits || !root._zod.def) return undefined;
  const keyShape = (keySchema as unknown as ZodInternals | undefined)?._zod?.def?.shape;
  const gen = new Generator(new Set(dateFields), keyShape ?? {});
  let body: string;
  try {
    const input = gen.variable();
    const result = gen.emit(root, input, "", false);
    body = `return function decode(${input}, key) {\n${gen.lines.join("\n")}\nreturn ${result};\n};`;
  } catch (error) {
    if (error instanceof NoPlan) return undefined;
    throw error;
  }
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

function noChecks(schema: ZodInternals): boolean {
  const { def } = schema._zod;
  return !def.coerce && (def.checks === undefined || def.checks.length === 0);
}

/** Emits the checking code of one schema as lines of the decode function. */
class Generator {
  readonly lines: string[] = [];
  /** Regexes, sets and delegated zod schemas the code refers to as `ext[i]`. */
  readonly externals: unknown[] = [];
  private count = 0;

  constructor(
    private readonly dates: ReadonlySet<string>,
    private readonly keyShape: Record<string, z.ZodType>,
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

  /**
   * Emits the code that checks the value in variable `input`; returns the expression of the output
   * value. `required`: the value is a required object property (zod refuses it absent).
   */
  emit(schema: ZodInternals, input: string, path: string, required: boolean): string {
    const { def } = schema._zod;
    if (!noChecks(schema)) return this.delegate(schema, input, required);
    switch (coreTraits(schema)) {
      case T.string:
        this.fail(`typeof ${input} !== "string"`);
        return input;
      case T.uuid:
      case T.email: {
        const pattern = def.pattern;
        if (def.check !== "string_format" || !(pattern instanceof RegExp) || pattern.global || pattern.sticky) {
          return this.delegate(schema, input, required);
        }
        const test = `${this.external(pattern)}.test(${input})`;
        const known = this.keyField(schema, path);
        this.fail(
          known
            ? `typeof ${input} !== "string" || (${input} !== ${known} && !${test})`
            : `typeof ${input} !== "string" || !${test}`,
        );
        return input;
      }
      case T.number:
        this.fail(`typeof ${input} !== "number" || !Number.isFinite(${input})`);
        return input;
      case T.int:
        if (def.check !== "number_format" || def.format !== "safeint") return this.delegate(schema, input, required);
        this.fail(`!Number.isSafeInteger(${input})`);
        return input;
      case T.boolean:
        this.fail(`typeof ${input} !== "boolean"`);
        return input;
      case T.bigint: {
        this.fail(`typeof ${input} !== "string" || !DECIMAL.test(${input})`);
        const out = this.variable();
        this.lines.push(`const ${out} = BigInt(${input});`);
        return out;
      }
      case T.date: {
        const out = this.variable();
        const time = this.variable();
        if (this.dates.has(path)) {
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
      case T.enum: {
        const values = schema._zod.values;
        if (!(values instanceof Set) || values.size === 0) return this.delegate(schema, input, required);
        const literals = [...values].every(
          (v) => typeof v === "string" || (typeof v === "number" && Number.isFinite(v)),
        );
        if (literals && values.size <= 8) {
          this.fail([...values].map((v) => `${input} !== ${JSON.stringify(v)}`).join(" && "));
        } else {
          this.fail(`!${this.external(values)}.has(${input})`);
        }
        return input;
      }
      case T.array:
        return this.array(def.element as unknown as ZodInternals, input, path);
      case T.optional:
      case T.nullable: {
        const inner = def.innerType as unknown as ZodInternals;
        if (inner._zod.optin === "defaulted") throw new NoPlan();
        const absent = coreTraits(schema) === T.optional ? "undefined" : "null";
        const out = this.variable();
        this.lines.push(`let ${out} = ${absent};`, `if (${input} !== ${absent}) {`);
        const result = this.emit(inner, input, path, false);
        this.lines.push(`${out} = ${result};`, "}");
        return out;
      }
      case T.object:
      case T.objectJit:
        return this.object(schema, input, path);
      default:
        return this.delegate(schema, input, required);
    }
  }

  /**
   * For a top-level field that is also a key field checked exactly alike by the key schema (same
   * construct, same pattern): the expression of the requested key's value. A stored value equal to
   * it passed this very check when the key was resolved, so the pattern need not run again (on the
   * bench entity the uuid pattern was about a fifth of the plan's time).
   */
  private keyField(schema: ZodInternals, path: string): string | undefined {
    if (path.includes(".") || path.includes("[") || !Object.hasOwn(this.keyShape, path)) return undefined;
    const keyField = this.keyShape[path] as unknown as ZodInternals;
    const pattern = schema._zod.def.pattern;
    const keyPattern = keyField._zod?.def?.pattern;
    const same =
      keyField._zod?.traits !== undefined &&
      noChecks(keyField) &&
      coreTraits(keyField) === coreTraits(schema) &&
      keyField._zod.def.check === schema._zod.def.check &&
      keyPattern instanceof RegExp &&
      pattern instanceof RegExp &&
      keyPattern.source === pattern.source &&
      keyPattern.flags === pattern.flags;
    return same ? `(key === undefined ? undefined : key[${JSON.stringify(path)}])` : undefined;
  }

  private array(element: ZodInternals, input: string, path: string): string {
    this.fail(`!Array.isArray(${input})`);
    const index = this.variable();
    const item = this.variable();
    const out = this.variable();
    const start = this.lines.length;
    this.lines.push(
      `for (let ${index} = 0; ${index} < ${input}.length; ${index}++) {`,
      `const ${item} = ${input}[${index}];`,
    );
    const result = this.emit(element, item, `${path}[]`, false);
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

  private object(schema: ZodInternals, input: string, path: string): string {
    const { def } = schema._zod;
    if (def.catchall !== undefined || !def.shape) throw new NoPlan();
    if (Object.getOwnPropertySymbols(def.shape).length) throw new NoPlan();
    this.fail(`typeof ${input} !== "object" || ${input} === null || Array.isArray(${input})`);
    const entries: { key: string; value: string; optional: boolean; field: string }[] = [];
    for (const key of Object.keys(def.shape)) {
      if (key === "__proto__") throw new NoPlan();
      const field = def.shape[key] as unknown as ZodInternals;
      const { optin, optout } = field._zod;
      let optional: boolean;
      if (optin === undefined && optout === undefined) optional = false;
      else if (optin === "optional" && optout === "optional") optional = true;
      else throw new NoPlan();
      const name = this.variable();
      const k = JSON.stringify(key);
      this.lines.push(`const ${name} = ${input}[${k}];`);
      const childPath = path === "" ? key : `${path}.${key}`;
      if (optional) {
        // zod: an absent optional key stays absent; a present undefined (msgpack) stays undefined.
        const out = this.variable();
        this.lines.push(`let ${out} = undefined;`, `if (${name} !== undefined) {`);
        const result = this.emit(field, name, childPath, false);
        this.lines.push(`${out} = ${result};`, "}");
        entries.push({ key: k, value: out, optional, field: name });
      } else {
        entries.push({ key: k, value: this.emit(field, name, childPath, true), optional, field: name });
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
   * A subtree the plan does not compile: its own zod schema checks it, which is exact only when
   * its stored form is its application form (no Date/bigint inside); otherwise there is no plan.
   */
  private delegate(schema: ZodInternals, input: string, required: boolean): string {
    const zod = schema as unknown as z.ZodType;
    let conversions: unknown;
    try {
      conversions = buildPlan("decode-plan", zod, []);
    } catch {
      throw new NoPlan();
    }
    if (conversions !== null) throw new NoPlan();
    // zod refuses an absent required key whatever its schema (which might accept undefined): an
    // undefined here goes to the plain path, which tells absent from present-undefined.
    if (required) this.fail(`${input} === undefined`);
    const parsed = this.variable();
    this.lines.push(`const ${parsed} = ${this.external(zod)}.safeParse(${input});`);
    this.fail(`!${parsed}.success`);
    return `${parsed}.data`;
  }
}
