import type { FieldModel, FieldType } from "./descriptor.js";

/**
 * The compact stored form: the positional form (positional-form.ts) written without JSON, guided
 * by the field types, so reading it needs no JSON parse. Where JSON must scan every character of a
 * string for its end and its escapes, here a string is its length and its characters as they are:
 * reading one is a slice. On the bench entity it is about a third cheaper to read than parsing the
 * positional JSON (see README, Benchmarks).
 *
 * The payload starts with `~` (no JSON text does, so a reader tells the forms apart by the first
 * byte), then the top-level object. Each position holds `n` (null: an absent optional field, or a
 * null) or its value:
 * - string, uuid, enum, bigint (decimal text): `<length>:<characters>`, the length in UTF-16 code
 *   units (JavaScript's string length);
 * - int, float, datetime (epoch ms), date (epoch days): the number as JavaScript writes it, then `,`;
 * - boolean: `t` or `f`;
 * - json: `<length>:<JSON text>`;
 * - array: `<count>*` and its items;
 * - object: `{` (not at the top) and its fields in declared order, after the presence mask (a
 *   number, as above) when it has optional fields. No end marker: the types say where it ends.
 *
 * The reader gives exactly the array JSON.parse gives for the same value in positional JSON, and
 * checks only the structure: the positional decoder (and where it refuses, the schema) judges the
 * values, as for positional JSON. A string that is not well-formed UTF-16 (a lone surrogate) has no
 * UTF-8 form: such an entity is written as positional JSON, which escapes it.
 */

export const COMPACT_MARK = "~";
export const COMPACT_MARK_BYTE = 0x7e;

const enum Code {
  Text,
  Number,
  Boolean,
  Json,
  Object,
  Array,
}

/** How to read and write one position. */
interface Slot {
  readonly code: Code;
  /** The fields of an object; undefined otherwise. */
  readonly object: CompactPlan | undefined;
  /** The items of an array; undefined otherwise. */
  readonly items: Slot | undefined;
}

export interface CompactPlan {
  readonly masked: boolean;
  readonly slots: readonly Slot[];
}

/** The plan of the compact form of an object with these fields (the fields positionalFits admits). */
export function compactPlan(fields: readonly FieldModel[]): CompactPlan {
  return { masked: fields.some((field) => field.optional), slots: fields.map((field) => slotOf(field.type)) };
}

function slotOf(type: FieldType): Slot {
  switch (type.kind) {
    case "enum":
      return { code: Code.Text, object: undefined, items: undefined };
    case "object":
      return { code: Code.Object, object: compactPlan(type.fields), items: undefined };
    case "array":
      return { code: Code.Array, object: undefined, items: slotOf(type.items) };
    case "scalar":
      switch (type.scalar) {
        case "int":
        case "float":
        case "datetime":
        case "date":
          return { code: Code.Number, object: undefined, items: undefined };
        case "boolean":
          return { code: Code.Boolean, object: undefined, items: undefined };
        case "json":
          return { code: Code.Json, object: undefined, items: undefined };
        default:
          return { code: Code.Text, object: undefined, items: undefined };
      }
  }
}

/**
 * A positional value (positionalFits' entities, the schema accepted it) -> the compact payload
 * after its mark; undefined when it has no compact form (a string that is not well-formed).
 */
export function writeCompact(positional: readonly unknown[], plan: CompactPlan): string | undefined {
  const out = { text: "" };
  return writeObject(out, positional, plan) ? out.text : undefined;
}

function writeObject(out: { text: string }, values: readonly unknown[], plan: CompactPlan): boolean {
  let at = 0;
  if (plan.masked) out.text += `${values[at++] as number},`;
  for (const slot of plan.slots) if (!writeValue(out, values[at++], slot)) return false;
  return true;
}

function writeValue(out: { text: string }, value: unknown, slot: Slot): boolean {
  if (value === null) {
    // also JSON's null in a json field: Cursor.json reads `n` as null
    out.text += "n";
    return true;
  }
  switch (slot.code) {
    case Code.Text:
      if (typeof value !== "string" || !(value as WellFormedCheck).isWellFormed()) return false;
      out.text += `${value.length}:${value}`;
      return true;
    case Code.Number:
      out.text += `${value as number},`;
      return true;
    case Code.Boolean:
      out.text += value ? "t" : "f";
      return true;
    case Code.Json: {
      const json = JSON.stringify(value);
      out.text += `${json.length}:${json}`;
      return true;
    }
    case Code.Object:
      out.text += "{";
      return writeObject(out, value as unknown[], slot.object!);
    case Code.Array: {
      const items = value as unknown[];
      out.text += `${items.length}*`;
      for (const item of items) if (!writeValue(out, item, slot.items!)) return false;
      return true;
    }
  }
}

/**
 * String.prototype's methods, called through these. V8 inlines `text.charCodeAt(i)` and
 * `text.slice(a, b)` only while String.prototype is no other object's prototype; a library that
 * subclasses String (node-redis does, `class VerbatimString extends String`) makes every such call
 * about 2.5x slower for the whole process, and the bench loads node-redis (a peer's driver). Called
 * through a constant they cost the same either way.
 */
const charCodeAt = String.prototype.charCodeAt;
const slice = String.prototype.slice;

/** `String.prototype.isWellFormed` (Node 20; in the ES2024 lib, newer than this project's). */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** 10^0 to 10^15, each exact in a double. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => Number(`1e${i}`));

/** Lengths and counts have at most this many digits (a value is far smaller than 10^9 characters). */
const MAX_LENGTH_DIGITS = 9;

/**
 * The compact payload `text` (after its mark) -> the positional array. Untrusted input: throws a
 * CompactFormError on anything that is not a compact value of these fields. The codec reads with
 * a decoder compiled from the same fields (decode-plan.ts, over a Cursor); this reader gives the
 * fallback its positional value, and where it throws, the reason.
 */
export function readCompact(text: string, plan: CompactPlan, parseJson: (json: string) => unknown): unknown[] {
  const cursor = new Cursor(text, parseJson);
  const value = readObject(cursor, plan);
  cursor.end();
  return value;
}

function readObject(cursor: Cursor, plan: CompactPlan): unknown[] {
  const slots = plan.slots;
  const values: unknown[] = [];
  if (plan.masked) values.push(cursor.number());
  for (let i = 0; i < slots.length; i++) values.push(readValue(cursor, slots[i]!));
  return values;
}

function readValue(cursor: Cursor, slot: Slot): unknown {
  if (cursor.nul()) return null;
  switch (slot.code) {
    case Code.Text:
      return cursor.string();
    case Code.Number:
      return cursor.number();
    case Code.Boolean:
      return cursor.boolean();
    case Code.Json:
      return cursor.json();
    case Code.Object:
      cursor.open();
      return readObject(cursor, slot.object!);
    case Code.Array: {
      const count = cursor.count();
      const values: unknown[] = [];
      for (let i = 0; i < count; i++) values.push(readValue(cursor, slot.items!));
      return values;
    }
  }
}

export class CompactFormError extends Error {}

/** Reads the parts of a compact payload in order; each read throws a CompactFormError where the text does not hold one. */
export class Cursor {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly parseJson: (json: string) => unknown,
  ) {}

  /** Whether a null (`n`) comes next; reads it if so. */
  nul(): boolean {
    if (charCodeAt.call(this.text, this.at) !== 0x6e /* n */) return false;
    this.at += 1;
    return true;
  }

  /** `<length>:<characters>` */
  string(): string {
    const length = this.digits(0x3a /* : */);
    const end = this.at + length;
    if (end > this.text.length) throw this.error("a string longer than the value");
    const value = slice.call(this.text, this.at, end);
    this.at = end;
    return value;
  }

  /**
   * A number as JSON writes it, then `,`. Up to 15 significant digits with at most a fraction (no
   * exponent) are read here: the digits as an integer, exact in a double, divided by an exact power
   * of ten, which IEEE division rounds correctly, so the result is Number()'s (Clinger's fast path).
   * Anything else is read by `decimal`.
   */
  number(): number {
    const text = this.text;
    const start = this.at;
    let at = start;
    let c = charCodeAt.call(text, at);
    const negative = c === 0x2d; /* - */
    if (negative) c = charCodeAt.call(text, ++at);
    const digits = at;
    let n = 0;
    while (c >= 0x30 && c <= 0x39) {
      n = n * 10 + (c - 0x30);
      c = charCodeAt.call(text, ++at);
    }
    let fraction = 0;
    if (c === 0x2e /* . */ && at > digits) {
      const point = at;
      c = charCodeAt.call(text, ++at);
      while (c >= 0x30 && c <= 0x39) {
        n = n * 10 + (c - 0x30);
        c = charCodeAt.call(text, ++at);
      }
      fraction = at - point - 1;
      if (fraction === 0) return this.decimal(start);
    }
    if (c !== 0x2c /* , */ || at === digits || at - digits - (fraction ? 1 : 0) > 15) return this.decimal(start);
    this.at = at + 1;
    const value = fraction ? n / POWERS_OF_TEN[fraction]! : n;
    return negative ? -value : value;
  }

  /**
   * A number from `start` that `number` does not read itself (an exponent, or more digits than a
   * double holds exactly): Number() reads what JSON's grammar admits (`1e+21`), checked here first
   * (Number() would also take `0x1f` or ` 1`). Kept apart so that `number` stays small enough to be
   * inlined into the compiled decoders.
   */
  private decimal(start: number): number {
    const text = this.text;
    let at = start;
    if (charCodeAt.call(text, at) === 0x2d /* - */) at += 1;
    at = this.digitsFrom(at);
    let c = charCodeAt.call(text, at);
    if (c === 0x2e /* . */) at = this.digitsFrom(at + 1);
    c = charCodeAt.call(text, at);
    if (c === 0x65 /* e */ || c === 0x45 /* E */) {
      c = charCodeAt.call(text, ++at);
      if (c === 0x2b /* + */ || c === 0x2d /* - */) at += 1;
      at = this.digitsFrom(at);
      c = charCodeAt.call(text, at);
    }
    if (c !== 0x2c /* , */) throw this.error("expected a number");
    this.at = at + 1;
    return Number(slice.call(text, start, at));
  }

  /** The end of one or more decimal digits from `at`. */
  private digitsFrom(at: number): number {
    const start = at;
    let c = charCodeAt.call(this.text, at);
    while (c >= 0x30 && c <= 0x39) c = charCodeAt.call(this.text, ++at);
    if (at === start) throw this.error("expected a number");
    return at;
  }

  boolean(): boolean {
    const c = charCodeAt.call(this.text, this.at++);
    if (c === 0x74 /* t */) return true;
    if (c === 0x66 /* f */) return false;
    throw this.error("expected a boolean");
  }

  /** A json value: `<length>:<JSON text>`, or `n` (JSON's null). */
  json(): unknown {
    if (this.nul()) return null;
    const text = this.string();
    try {
      return this.parseJson(text);
    } catch (error) {
      throw this.error(`malformed JSON (${(error as Error).message})`);
    }
  }

  /** The `{` of a nested object. */
  open(): void {
    if (charCodeAt.call(this.text, this.at++) !== 0x7b /* { */) throw this.error("expected an object");
  }

  /** The item count of an array: `<count>*`. */
  count(): number {
    return this.digits(0x2a /* * */);
  }

  /** The value ends here. */
  end(): void {
    if (this.at !== this.text.length) throw this.error("text after the value");
  }

  /** Decimal digits (a length or a count), then `terminator`. */
  private digits(terminator: number): number {
    const text = this.text;
    const start = this.at;
    let at = start;
    let n = 0;
    let c = charCodeAt.call(text, at);
    while (c >= 0x30 && c <= 0x39 && at - start < MAX_LENGTH_DIGITS) {
      n = n * 10 + (c - 0x30);
      c = charCodeAt.call(text, ++at);
    }
    if (at === start || c !== terminator)
      throw this.error(terminator === 0x3a ? "expected a string" : "expected a count");
    this.at = at + 1;
    return n;
  }

  private error(what: string): CompactFormError {
    return new CompactFormError(`compact value: ${what} at character ${this.at}`);
  }
}
