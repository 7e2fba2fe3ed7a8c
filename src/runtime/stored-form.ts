import type { FieldModel, FieldType } from "./descriptor.js";

/**
 * The stored form of an entity, derived once from its field descriptor: Date -> ISO string
 * (`datetime`) or `YYYY-MM-DD` (`date`), bigint -> decimal string, nested through objects and
 * arrays. Everything else is stored as is.
 *
 * A plan only describes the paths that need converting, so encode/decode touch nothing else.
 */
export type Plan =
  | { readonly t: "datetime" }
  | { readonly t: "date" }
  | { readonly t: "bigint" }
  | { readonly t: "object"; readonly fields: readonly (readonly [string, Plan])[] }
  | { readonly t: "array"; readonly item: Plan };

/** The plan of an entity with these fields; null when nothing needs converting. */
export function buildPlan(fields: readonly FieldModel[]): Plan | null {
  const planned: [string, Plan][] = [];
  for (const field of fields) {
    const plan = typePlan(field.type);
    if (plan) planned.push([field.name, plan]);
  }
  return planned.length ? { t: "object", fields: planned } : null;
}

function typePlan(type: FieldType): Plan | null {
  switch (type.kind) {
    case "scalar":
      if (type.scalar === "datetime") return { t: "datetime" };
      if (type.scalar === "date") return { t: "date" };
      if (type.scalar === "bigint") return { t: "bigint" };
      return null;
    case "enum":
      return null;
    case "object":
      return buildPlan(type.fields);
    case "array": {
      const item = typePlan(type.items);
      return item && { t: "array", item };
    }
  }
}

export const ISO_DATETIME = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const ISO_DATE = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\d$/;
export const DECIMAL = /^-?\d{1,4096}$/;

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
  if (value === null || value === undefined) return value;
  switch (plan.t) {
    case "datetime":
      return value instanceof Date ? isoDateTime(value) : value;
    case "date":
      return value instanceof Date ? isoDate(value) : value;
    case "bigint":
      return typeof value === "bigint" ? value.toString() : value;
    case "object": {
      if (!isPlainObject(value)) return value;
      const copy: Record<string, unknown> = { ...value };
      for (const [name, child] of plan.fields) {
        if (Object.hasOwn(value, name)) copy[name] = encodeStored(value[name], child);
      }
      return copy;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => encodeStored(v, plan.item)) : value;
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
      return typeof value === "string" && ISO_DATETIME.test(value) ? new Date(value) : value;
    case "date":
      return typeof value === "string" && ISO_DATE.test(value) ? new Date(`${value}T00:00:00.000Z`) : value;
    case "bigint":
      return typeof value === "string" && DECIMAL.test(value) ? BigInt(value) : value;
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
