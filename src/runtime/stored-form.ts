import type { FieldModel, FieldType } from "./descriptor.js";

/**
 * The stored form of an entity, derived once from its field descriptor: Date -> ISO string
 * (`datetime`) or `YYYY-MM-DD` (`date`), bigint -> decimal string, bytes -> base64 text (`base64`;
 * `binary` where the serializer stores bytes itself: msgpack, except in encrypted fields, whose
 * plaintext is JSON), nested through objects and arrays. Everything else is stored as is.
 *
 * A plan only describes the paths that need converting, so encode/decode touch nothing else.
 */
export type Plan =
  | { readonly t: "datetime" }
  | { readonly t: "date" }
  | { readonly t: "bigint" }
  | { readonly t: "base64" }
  | { readonly t: "binary" }
  | { readonly t: "object"; readonly fields: readonly (readonly [string, Plan])[] }
  | { readonly t: "array"; readonly item: Plan };

/**
 * The plan of an entity with these fields; null when nothing needs converting. `binaryBytes`: the
 * serializer stores bytes as bytes (msgpack), so only encrypted fields turn them into base64.
 */
export function buildPlan(fields: readonly FieldModel[], binaryBytes = false): Plan | null {
  const planned: [string, Plan][] = [];
  for (const field of fields) {
    const plan = typePlan(field.type, binaryBytes && !field.encrypt);
    if (plan) planned.push([field.name, plan]);
  }
  return planned.length ? { t: "object", fields: planned } : null;
}

function typePlan(type: FieldType, binaryBytes: boolean): Plan | null {
  switch (type.kind) {
    case "scalar":
      if (type.scalar === "datetime") return { t: "datetime" };
      if (type.scalar === "date") return { t: "date" };
      if (type.scalar === "bigint") return { t: "bigint" };
      if (type.scalar === "bytes") return { t: binaryBytes ? "binary" : "base64" };
      return null;
    case "enum":
      return null;
    case "object":
      return buildPlan(type.fields, binaryBytes);
    case "array": {
      const item = typePlan(type.items, binaryBytes);
      return item && { t: "array", item };
    }
  }
}

export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A Uint8Array's bytes as a Buffer view (no copy): what serializers and base64 take. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const ISO_DATETIME = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const ISO_DATE = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\d$/;
export const DECIMAL = /^-?\d{1,4096}$/;

/**
 * Whether the day of an ISO date or datetime string (`YYYY-MM-DD...` or `±YYYYYY-MM-DD...`, already
 * matched against its pattern) exists in its month: `new Date` rolls `2024-02-30` over to 1 March.
 */
export function dayExists(s: string): boolean {
  const first = s.charCodeAt(0);
  const at = first === 43 || first === 45 ? 7 : 4; // `+` or `-`: an extended year
  const month = Number(s.slice(at + 1, at + 3));
  const day = Number(s.slice(at + 4, at + 6));
  return day >= 1 && day <= daysInMonth(Number(s.slice(0, at)), month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * `Date#toISOString`, without its cost for the common case (years 1000 to 9999, what every cached
 * timestamp is); anything else (extended years, an invalid Date, which throws) goes to
 * toISOString itself. A test compares the two.
 */
export function isoDateTime(d: Date): string {
  const year = d.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return d.toISOString();
  const ms = d.getUTCMilliseconds();
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}

/** `YYYY-MM-DD` of a Date in UTC (extended years keep their sign). */
export function isoDate(d: Date): string {
  const iso = d.toISOString();
  return iso.slice(0, iso.indexOf("T"));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Application form -> stored form. Never mutates `value`. */
export function encodeStored(value: unknown, plan: Plan): unknown {
  return copyAlong(value, plan, encodeLeaf);
}

function encodeLeaf(value: unknown, t: LeafType): unknown {
  if (t === "bigint") return typeof value === "bigint" ? value.toString() : value;
  if (t === "base64" || t === "binary") {
    if (!(value instanceof Uint8Array)) return value;
    return t === "base64" ? bufferOf(value).toString("base64") : bufferOf(value);
  }
  if (!(value instanceof Date)) return value;
  return t === "datetime" ? isoDateTime(value) : isoDate(value);
}

type LeafType = "datetime" | "date" | "bigint" | "base64" | "binary";

/**
 * A copy of `value` with `leaf` applied where the plan has a datetime, date or bigint (a new object
 * or array on the way down to each, the rest shared). Never mutates `value`.
 */
function copyAlong(value: unknown, plan: Plan, leaf: (value: unknown, t: LeafType) => unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (plan.t) {
    case "datetime":
    case "date":
    case "bigint":
    case "base64":
    case "binary":
      return leaf(value, plan.t);
    case "object": {
      if (!isPlainObject(value)) return value;
      const copy: Record<string, unknown> = { ...value };
      for (const [name, child] of plan.fields) {
        if (Object.hasOwn(value, name)) copy[name] = copyAlong(value[name], child, leaf);
      }
      return copy;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => copyAlong(v, plan.item, leaf)) : value;
  }
}

/**
 * Stored form -> application form, in place (the value was just parsed from Redis, so it is ours).
 * Untrusted input: anything unexpected is left as is for the schema to reject.
 */
export function decodeStored(value: unknown, plan: Plan): unknown {
  if (value === null || value === undefined) return value;
  switch (plan.t) {
    case "datetime":
      return typeof value === "string" && ISO_DATETIME.test(value) && dayExists(value) ? new Date(value) : value;
    case "date":
      return typeof value === "string" && ISO_DATE.test(value) && dayExists(value)
        ? new Date(`${value}T00:00:00.000Z`)
        : value;
    case "bigint":
      return typeof value === "string" && DECIMAL.test(value) ? BigInt(value) : value;
    case "base64":
      return typeof value === "string" && BASE64.test(value) ? new Uint8Array(Buffer.from(value, "base64")) : value;
    case "binary":
      return value instanceof Uint8Array ? new Uint8Array(value) : value;
    case "object":
      if (isPlainObject(value)) {
        for (const [name, child] of plan.fields) {
          if (name !== "__proto__" && Object.hasOwn(value, name)) value[name] = decodeStored(value[name], child);
        }
      }
      return value;
    case "array":
      if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = decodeStored(value[i], plan.item);
      return value;
  }
}

/**
 * An ISO 8601 date-time as databases and JSON APIs hand them out: `T` or a space, seconds and
 * fractions optional, a zone (`Z`, `+02`, `+0200`, `+02:00`) required, since a time without one
 * means a different instant in every process; a date alone is UTC midnight.
 */
const SOURCE_DATETIME =
  /^([+-]\d{6}|\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)? ?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?))?$/;

/** The time value of a SOURCE_DATETIME string; NaN when it does not match or names no real instant. */
function sourceDateTimeValue(s: string): number {
  const m = SOURCE_DATETIME.exec(s);
  if (!m || !dayExists(s)) return Number.NaN;
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "0", , sign, offH = "0", offM = "0"] =
    m;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return Number.NaN;
  if (Number(offH) > 23 || Number(offM) > 59) return Number.NaN;
  const d = new Date(0);
  d.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  d.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.slice(0, 3).padEnd(3, "0")));
  const offset = (Number(offH) * 60 + Number(offM)) * 60_000;
  const time = d.getTime() + (sign === "-" ? offset : sign === "+" ? -offset : 0);
  return Math.abs(time) <= 8.64e15 ? time : Number.NaN;
}

/** The UTC midnight of a Date's UTC day: how a `date` field is stored, so how a hit reads it. */
function utcMidnight(d: Date): Date {
  const time = d.getTime();
  return Number.isNaN(time) ? d : new Date(time - (((time % 86_400_000) + 86_400_000) % 86_400_000));
}

/**
 * A row from the source -> the application form a hit would give, before the schema checks it: a
 * date-time string (SOURCE_DATETIME) becomes a Date, a `date` field's `YYYY-MM-DD` or Date its UTC
 * midnight, a decimal string or safe integer a bigint. Never mutates `value` (the source's row);
 * anything else is left for the schema to judge.
 */
export function reviveRow(value: unknown, plan: Plan): unknown {
  return copyAlong(value, plan, reviveLeaf);
}

function reviveLeaf(value: unknown, t: LeafType): unknown {
  switch (t) {
    case "datetime": {
      const time = typeof value === "string" ? sourceDateTimeValue(value) : Number.NaN;
      return Number.isNaN(time) ? value : new Date(time);
    }
    case "date":
      if (value instanceof Date) return utcMidnight(value);
      return typeof value === "string" && ISO_DATE.test(value) && dayExists(value)
        ? new Date(`${value}T00:00:00.000Z`)
        : value;
    case "bigint":
      if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
      return typeof value === "string" && DECIMAL.test(value) ? BigInt(value) : value;
    case "base64":
    case "binary":
      // a Buffer (what pg and most drivers give) is a Uint8Array: a plain copy, as a hit gives
      return value instanceof Uint8Array && value.constructor !== Uint8Array ? new Uint8Array(value) : value;
  }
}
