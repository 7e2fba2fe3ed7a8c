import type { z } from "zod";

/**
 * The stored form of an entity, derived once from its zod schema: Date -> ISO string (datetime) or
 * `YYYY-MM-DD` (fields listed in `dateFields`), bigint -> decimal string, nested through objects,
 * arrays, records, tuples, optional, nullable and default. Everything else is stored as is.
 *
 * A plan only describes the paths that need converting, so encode/decode touch nothing else.
 */
export type Plan =
  | { readonly t: "datetime" }
  | { readonly t: "date" }
  | { readonly t: "bigint" }
  | { readonly t: "object"; readonly fields: readonly (readonly [string, Plan])[] }
  | { readonly t: "array"; readonly item: Plan }
  | { readonly t: "record"; readonly value: Plan }
  | { readonly t: "tuple"; readonly items: readonly (Plan | null)[]; readonly rest: Plan | null };

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  getter?: () => z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

/** The shape of an object schema (through optional/nullable/readonly wrappers), if it is one. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let def = defOf(schema);
  for (let i = 0; i < 8 && def.innerType && def.type !== "object"; i++) def = defOf(def.innerType);
  return def.type === "object" ? def.shape : undefined;
}

const WRAPPERS = new Set([
  "optional",
  "nullable",
  "default",
  "prefault",
  "readonly",
  "nonoptional",
  "catch",
  "success",
]);
const LEAVES = new Set([
  "string",
  "number",
  "int",
  "boolean",
  "enum",
  "literal",
  "null",
  "undefined",
  "any",
  "unknown",
  "never",
  "nan",
  "void",
  "symbol",
  "template_literal",
  "file",
  "custom",
]);

export class StoredFormError extends TypeError {}

/** Builds the plan of `schema`. `dateFields` are paths (`birthday`, `settings.since`, `history[].on`). */
export function buildPlan(entity: string, schema: z.ZodType, dateFields: readonly string[] = []): Plan | null {
  const wanted = new Set(dateFields);
  const used = new Set<string>();
  const seen = new Set<z.ZodType>();

  const walk = (s: z.ZodType, path: string): Plan | null => {
    const def = defOf(s);
    const where = path === "" ? "(root)" : path;
    if (WRAPPERS.has(def.type)) return walk(def.innerType!, path);
    if (LEAVES.has(def.type)) return null;
    switch (def.type) {
      case "date":
        if (wanted.has(path)) {
          used.add(path);
          return { t: "date" };
        }
        return { t: "datetime" };
      case "bigint":
        return { t: "bigint" };
      case "object": {
        const fields: [string, Plan][] = [];
        for (const [name, child] of Object.entries(def.shape ?? {})) {
          const plan = walk(child, path === "" ? name : `${path}.${name}`);
          if (plan) fields.push([name, plan]);
        }
        return fields.length ? { t: "object", fields } : null;
      }
      case "array": {
        const item = walk(def.element!, `${path}[]`);
        return item && { t: "array", item };
      }
      case "record": {
        const value = walk(def.valueType!, `${path}[]`);
        return value && { t: "record", value };
      }
      case "tuple": {
        const items = (def.items ?? []).map((item, i) => walk(item, `${path}[${i}]`));
        const rest = def.rest ? walk(def.rest, `${path}[]`) : null;
        return items.some(Boolean) || rest ? { t: "tuple", items, rest } : null;
      }
      case "lazy": {
        if (seen.has(s)) return null;
        seen.add(s);
        const inner = walk(def.getter!(), path);
        if (inner)
          throw new StoredFormError(
            `cachegen: ${entity}.${where}: recursive schemas with Date or bigint are not supported`,
          );
        return null;
      }
      case "union": {
        const plans = (def.options ?? []).map((o) => walk(o, path));
        if (plans.some(Boolean))
          throw new StoredFormError(`cachegen: ${entity}.${where}: unions containing Date or bigint are not supported`);
        return null;
      }
      case "pipe": {
        if (walk(def.in!, path) || walk(def.out!, path)) {
          throw new StoredFormError(
            `cachegen: ${entity}.${where}: pipes/transforms containing Date or bigint are not supported`,
          );
        }
        return null;
      }
      case "intersection": {
        if (walk(def.left!, path) || walk(def.right!, path)) {
          throw new StoredFormError(
            `cachegen: ${entity}.${where}: intersections containing Date or bigint are not supported`,
          );
        }
        return null;
      }
      default:
        throw new StoredFormError(`cachegen: ${entity}.${where}: zod type "${def.type}" cannot be stored in the cache`);
    }
  };

  const plan = walk(schema, "");
  for (const path of wanted) {
    if (!used.has(path))
      throw new StoredFormError(`cachegen: ${entity}: dateFields entry "${path}" does not name a z.date() field`);
  }
  return plan;
}

const ISO_DATETIME = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_DATE = /^(?:[+-]\d{6}|\d{4})-\d\d-\d\d$/;
const DECIMAL = /^-?\d{1,4096}$/;

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
    case "record":
      return isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeStored(v, plan.value)]))
        : value;
    case "tuple":
      return Array.isArray(value)
        ? value.map((v, i) => {
            const p = i < plan.items.length ? plan.items[i] : plan.rest;
            return p ? encodeStored(v, p) : v;
          })
        : value;
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
    case "record":
      if (isPlainObject(value)) {
        for (const k of Object.keys(value)) if (k !== "__proto__") value[k] = decodeStored(value[k], plan.value);
      }
      return value;
    case "tuple":
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const p = i < plan.items.length ? plan.items[i] : plan.rest;
          if (p) value[i] = decodeStored(value[i], p);
        }
      }
      return value;
  }
}
