// The precompiled decode plan (src/runtime/decode-plan.ts) is an accelerator of the read path: it
// must never accept a stored value the plain path (decodeStored + the zod schema) refuses, and
// what it accepts must come out exactly as the plain path makes it. Also its fast date parsers and
// formatter, against what they replace.
import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { z, type EntityDefinition } from "cachegen/runtime";
import { buildDecodePlan, INVALID, isoDateTimeValue, isoDateValue } from "../../src/runtime/decode-plan.js";
import { buildPlan, dayExists, decodeStored, encodeStored, isoDateTime } from "../../src/runtime/stored-form.js";
import * as generated from "../../generated/index.js";
import { profileEntity } from "../../bench/generated/index.js";
import { metricEntity } from "./fixtures/metric.js";
import { orderLineEntity } from "./fixtures/order-line.js";
import { teamEntity } from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { userEntity } from "./fixtures/user.js";

type Definition = EntityDefinition<unknown, unknown>;
const definitions: Definition[] = [
  ...Object.entries(generated)
    .filter(([name]) => name.endsWith("Entity"))
    .map(([, d]) => d as Definition),
  profileEntity as Definition,
  metricEntity as Definition,
  orderLineEntity as Definition,
  teamEntity as Definition,
  userEntity as Definition,
];
const packr = new Packr({ useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false });

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  format?: string;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Values of the application form of the constructs generated schemas use. */
function arbitrary(schema: z.ZodType, path: string, dates: ReadonlySet<string>): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      if (def.format === "uuid") return fc.uuid();
      if (def.format === "url") return fc.webUrl();
      if (def.format === "email")
        return fc
          .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/))
          .map(([a, b]) => `${a}@${b}.com`);
      return fc.string({ maxLength: 12 });
    case "number":
      return def.format === "safeint" ? fc.maxSafeInteger() : fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "bigint":
      return fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
    case "date":
      return dates.has(path)
        ? fc
            .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true })
            .map((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())))
        : fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });
    case "enum":
      return fc.constantFrom(...(schema as unknown as { options: unknown[] }).options);
    case "array":
      return fc.array(arbitrary(def.element!, `${path}[]`, dates), { maxLength: 3 });
    case "optional":
      return fc.option(arbitrary(def.innerType!, path, dates), { nil: undefined });
    case "nullable":
      return fc.option(arbitrary(def.innerType!, path, dates), { nil: null });
    case "object": {
      const shape = def.shape!;
      const fields = Object.fromEntries(
        Object.entries(shape).map(([k, s]) => [k, arbitrary(s, path === "" ? k : `${path}.${k}`, dates)]),
      );
      const required = Object.keys(shape).filter((k) => defOf(shape[k]!).type !== "optional");
      return fc.record(fields, { requiredKeys: required });
    }
    case "lazy": // z.json()
      return fc.jsonValue({ maxDepth: 2 });
    default:
      throw new Error(`no arbitrary for zod type ${def.type}`);
  }
}

/** Every path (keys and indices) inside a stored value. */
function paths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom(
    "2023-02-30T00:00:00.000Z",
    "2023-13-01T00:00:00.000Z",
    "2024-01-01T24:00:00.000Z",
    "0099-01-01T00:00:00.000Z",
    "+010000-01-01T00:00:00.000Z",
    "2024-02-31",
    "0000-01-01",
    "-1",
    "01",
    "1e3",
    "",
    1.5,
    -0,
    2 ** 53,
    null,
    [],
    {},
  ),
);
type Mutation = { kind: "delete" | "replace" | "extra"; at: number; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("delete", "replace", "extra"),
  at: fc.nat(),
  value: odd,
});

function mutate(stored: unknown, m: Mutation): void {
  const all = paths(stored);
  if (!all.length) return;
  const path = all[m.at % all.length]!;
  let parent = stored as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === "delete") delete parent[last];
  else if (m.kind === "replace") parent[last] = m.value;
  else if (typeof parent === "object" && !Array.isArray(parent)) parent[`extra_${String(last)}`] = m.value;
}

/** The plain read path: revive in place, then the zod schema. */
function plain(definition: Definition, stored: unknown): { ok: true; value: unknown } | { ok: false } {
  const plan = buildPlan(definition.name, definition.schema, definition.dateFields);
  const revived = plan ? decodeStored(stored, plan) : stored;
  const parsed = definition.schema.safeParse(revived);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

describe("decode plan", () => {
  it("is built for every generated and fixture entity (their schemas use only what it compiles, or delegates)", () => {
    for (const d of definitions) expect(buildDecodePlan(d.schema, d.dateFields), d.name).toBeTypeOf("function");
  });

  it("declines schemas it cannot reproduce exactly (the codec keeps the plain path)", () => {
    expect(buildDecodePlan(z.object({ a: z.string().default("x") }))).toBeUndefined();
    expect(buildDecodePlan(z.object({ a: z.date() }).catchall(z.string()))).toBeUndefined();
    expect(buildDecodePlan(z.strictObject({ a: z.string() }))).toBeUndefined();
    expect(buildDecodePlan(z.object({ a: z.union([z.date(), z.string()]) }))).toBeUndefined();
    // A construct it does not compile but that holds no Date/bigint is checked by its own zod schema.
    const plan = buildDecodePlan(
      z.object({ a: z.string().min(3), b: z.union([z.string(), z.number()]), at: z.date() }),
    )!;
    expect(plan({ a: "abcd", b: 1, at: "2024-01-01T00:00:00.000Z" })).toEqual({
      a: "abcd",
      b: 1,
      at: new Date("2024-01-01T00:00:00.000Z"),
    });
    expect(plan({ a: "ab", b: 1, at: "2024-01-01T00:00:00.000Z" })).toBe(INVALID);
  });

  it("skips re-checking a key field equal to the requested key only when the key schema checks it exactly alike", () => {
    const id = "3f8a2c1e-5b7d-4e9f-8a6b-2c4d6e8f0a1b";
    const alike = buildDecodePlan(z.object({ id: z.uuid(), n: z.int() }), [], z.object({ id: z.uuid() }))!;
    expect(alike({ id, n: 1 }, { id })).toEqual({ id, n: 1 });
    expect(alike({ id: "not-a-uuid", n: 1 }, { id })).toBe(INVALID);
    expect(alike({ id: "not-a-uuid", n: 1 }, undefined)).toBe(INVALID);
    // a looser key schema (any string) vouches for nothing: the stored id is still checked as a uuid
    const looser = buildDecodePlan(z.object({ id: z.uuid(), n: z.int() }), [], z.object({ id: z.string() }))!;
    expect(looser({ id: "not-a-uuid", n: 1 }, { id: "not-a-uuid" })).toBe(INVALID);
    const otherFormat = buildDecodePlan(z.object({ id: z.uuid() }), [], z.object({ id: z.email() }))!;
    expect(otherFormat({ id: "a@b.co" }, { id: "a@b.co" })).toBe(INVALID);
  });

  for (const definition of definitions) {
    it(`${definition.name}: accepts every valid stored value as the plain path decodes it, and never accepts what the plain path refuses`, () => {
      const dates = new Set(definition.dateFields ?? []);
      const storedPlan = buildPlan(definition.name, definition.schema, definition.dateFields);
      const decode = buildDecodePlan(definition.schema, definition.dateFields, definition.keySchema)!;
      const keyFields = Object.keys((definition.keySchema as unknown as { shape: Record<string, unknown> }).shape);
      const roundTrip = (value: unknown): unknown => {
        const stored = storedPlan ? encodeStored(value, storedPlan) : value;
        return definition.serializer === "msgpack"
          ? packr.unpack(packr.pack(stored))
          : JSON.parse(JSON.stringify(stored));
      };
      fc.assert(
        fc.property(
          arbitrary(definition.schema, "", dates),
          fc.array(mutation, { maxLength: 3 }),
          (entity, mutations) => {
            fc.pre(definition.schema.safeParse(entity).success);
            const stored = roundTrip(entity);
            // the key it is read under: the entity's own, checked by the key schema (mutations may make them differ)
            const key = definition.keySchema.safeParse(
              Object.fromEntries(keyFields.map((f) => [f, (entity as Record<string, unknown>)[f]])),
            );
            for (const m of mutations) mutate(stored, m);
            const snapshot = structuredClone(stored);
            const fast = decode(stored);
            expect(stored).toEqual(snapshot); // the plan never mutates its input
            if (key.success) expect(decode(stored, key.data)).toStrictEqual(fast);
            const reference = plain(definition, structuredClone(stored));
            if (fast !== INVALID) {
              expect(reference.ok).toBe(true);
              expect(fast).toStrictEqual((reference as { value: unknown }).value);
            }
            if (mutations.length === 0) expect(fast).not.toBe(INVALID);
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

describe("fast date conversions", () => {
  const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"));
  const isoLike = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      two(19),
      two(39),
      two(29),
      two(69),
      two(69),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(
      ([y, mo, d, h, mi, s, ms]) =>
        `${String(y).padStart(4, "0")}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, "0")}Z`,
    );

  /** `new Date`, except that a day its month does not have (`2024-02-30`, which it rolls over to 1 March) is NaN. */
  const reference = (s: string, iso = s): number => (dayExists(s) ? new Date(iso).getTime() : Number.NaN);

  it("isoDateTimeValue is new Date(s).getTime() for every string of the stored datetime shape whose day exists", () => {
    fc.assert(
      fc.property(isoLike, (s) => void expect(isoDateTimeValue(s)).toBe(reference(s))),
      { numRuns: 5000 },
    );
    for (const s of [
      "+010000-01-01T00:00:00.000Z",
      "-000001-12-31T23:59:59.999Z",
      "2024-02-29T24:00:00.000Z",
      "1000-01-01T00:00:00.000Z",
    ]) {
      expect(isoDateTimeValue(s)).toBe(new Date(s).getTime());
    }
    for (const s of ["2024-02-30T00:00:00.000Z", "2023-02-29T10:00:00.000Z", "2024-04-31T00:00:00.000Z"]) {
      expect(isoDateTimeValue(s)).toBeNaN();
    }
  });

  it("isoDateValue is new Date(`${s}T00:00:00.000Z`).getTime() for every string of the stored date shape whose day exists", () => {
    const dateLike = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two(19), two(39))
      .map(([y, mo, d]) => `${String(y).padStart(4, "0")}-${mo}-${d}`);
    fc.assert(
      fc.property(dateLike, (s) => void expect(isoDateValue(s)).toBe(reference(s, `${s}T00:00:00.000Z`))),
      { numRuns: 3000 },
    );
    expect(isoDateValue("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    for (const s of ["2024-02-30", "1900-02-29", "2024-06-31", "+012345-02-30"]) expect(isoDateValue(s)).toBeNaN();
  });

  it("isoDateTime is Date#toISOString, extended years and invalid dates included", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => void expect(isoDateTime(d)).toBe(d.toISOString())),
      { numRuns: 5000 },
    );
    expect(() => isoDateTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
