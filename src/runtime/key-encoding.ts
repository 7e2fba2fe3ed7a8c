import type { KeyPartType } from "./descriptor.js";
import { isoDate } from "./stored-form.js";

/**
 * Key part encoding. Every part becomes `encodeURIComponent(text)` with `*` -> `%2A`, so an encoded
 * part never contains `: { } * ? [ ] \` or a space; parts are joined by `:`. For a fixed number of
 * parts the encoding is injective, and safe inside a `SCAN MATCH` pattern.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No unpaired UTF-16 surrogates (String.prototype.isWellFormed, which lib ES2023 does not type). */
function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Returns the problem with `value` as a part of type `type`, or the part's text. */
export function partText(type: KeyPartType, value: unknown): { text: string } | { problem: string } {
  switch (type) {
    case "string":
    case "uuid":
    case "enum":
      if (typeof value !== "string") return { problem: "must be a string" };
      return stringText(value);
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) return { problem: "must be a safe integer" };
      return { text: String(value === 0 ? 0 : value) };
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) return { problem: "must be a finite number" };
      return { text: String(value === 0 ? 0 : value) };
    case "boolean":
      if (typeof value !== "boolean") return { problem: "must be a boolean" };
      return { text: value ? "true" : "false" };
    case "bigint":
      if (typeof value !== "bigint") return { problem: "must be a bigint" };
      return { text: value.toString() };
    case "datetime":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) return { problem: "must be a valid Date" };
      return { text: value.toISOString() };
    case "date":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) return { problem: "must be a valid Date" };
      return { text: isoDate(value) };
  }
}

/** The inverse of `partText` (before validation: `resolve` checks the result). */
export function partValue(type: KeyPartType, text: string): unknown {
  switch (type) {
    case "string":
    case "uuid":
    case "enum":
      return text;
    case "int":
    case "float":
      return Number(text);
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "bigint":
      return /^-?\d+$/.test(text) ? BigInt(text) : text;
    case "datetime":
      return new Date(text);
    case "date":
      return new Date(`${text}T00:00:00.000Z`);
  }
}

function stringText(value: string): { text: string } | { problem: string } {
  if (value.length === 0) return { problem: "must not be empty" };
  if (!isWellFormed(value)) return { problem: "contains an unpaired UTF-16 surrogate" };
  return { text: value };
}

/** Encoding of an index or tag value, by its run-time type (the field's schema has validated it). */
export function valueText(value: unknown, dateOnly: boolean): { text: string } | { problem: string } {
  if (typeof value === "string") {
    if (!isWellFormed(value)) return { problem: "contains an unpaired UTF-16 surrogate" };
    return { text: value };
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { problem: "must be a finite number" };
    return { text: String(value === 0 ? 0 : value) };
  }
  if (typeof value === "boolean") return { text: value ? "true" : "false" };
  if (typeof value === "bigint") return { text: value.toString() };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return { problem: "must be a valid Date" };
    return { text: dateOnly ? isoDate(value) : value.toISOString() };
  }
  if (value === null || value === undefined) return { problem: "must be present (not null or undefined)" };
  return { problem: "must be a string, number, boolean, bigint or Date" };
}

/** What encodeURIComponent leaves unchanged, minus `*` (which encodePart escapes). */
const UNRESERVED = /^[A-Za-z0-9\-_.!~'()]*$/;

/** `encodeURIComponent` plus `*` -> `%2A`. The text must be well formed. */
export function encodePart(text: string): string {
  // Most parts (uuids, numbers, slugs) hold only characters encodeURIComponent keeps as they are.
  return UNRESERVED.test(text) ? text : encodeURIComponent(text).replace(/\*/g, "%2A");
}

/** Escapes Redis glob metacharacters so `pattern` matches itself literally in `SCAN MATCH`. */
export function escapeGlob(pattern: string): string {
  return pattern.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
