// The precompiled decode plan (src/runtime/decode-plan.ts) is an accelerator of the read path: it
// must never accept a stored value the plain path (decodeStored + the zod schema) refuses, and
// what it accepts must come out exactly as the plain path makes it. Also its fast date parsers and
// formatter, against what they replace.
import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { fieldModels, holdsBytes } from "../../src/runtime/descriptor.js";
import { buildDecodePlan, INVALID } from "../../src/runtime/decode-plan.js";
import { isoDateTimeValue, isoDateValue } from "../../src/runtime/iso-date-values.js";
import { buildPlan, dayExists, decodeStored, encodeStored, isoDateTime } from "../../src/runtime/stored-form.js";
import { definitions, objectArbitrary, paths, type Definition } from "./descriptor-arbitraries.js";

function holdsAnyBytes(definition: Definition): boolean {
  return definition.fieldModels.some((field) => holdsBytes(field.type));
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false });

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

/** Tampers with one path of `stored`; the value put in is a copy (fast-check hands out the same constant object to every run). */
function mutate(stored: unknown, m: Mutation): void {
  const all = paths(stored);
  if (!all.length) return;
  const path = all[m.at % all.length]!;
  let parent = stored as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === "delete") delete parent[last];
  else if (m.kind === "replace") parent[last] = structuredClone(m.value);
  else if (typeof parent === "object" && !Array.isArray(parent))
    parent[`extra_${String(last)}`] = structuredClone(m.value);
}

/** The plain read path: revive in place, then the zod schema. */
function plain(definition: Definition, stored: unknown): { ok: true; value: unknown } | { ok: false } {
  const plan = buildPlan(definition.fieldModels);
  const revived = plan ? decodeStored(stored, plan) : stored;
  const parsed = definition.schema.safeParse(revived);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

describe("decode plan", () => {
  it("is built for every generated and fixture entity without bytes (those take the plain path)", () => {
    for (const d of definitions) {
      const plan = buildDecodePlan(d.fieldModels, d.key);
      if (holdsAnyBytes(d)) expect(plan, d.name).toBeUndefined();
      else expect(plan, d.name).toBeTypeOf("function");
    }
  });

  it("checks url and json values with their own zod schema", () => {
    const plan = buildDecodePlan(
      fieldModels({ site: { type: "string", format: "url" }, meta: "json", at: "datetime" }),
    )!;
    expect(plan({ site: "https://example.com/", meta: { a: [1] }, at: "2024-01-01T00:00:00.000Z" })).toEqual({
      site: "https://example.com/",
      meta: { a: [1] },
      at: new Date("2024-01-01T00:00:00.000Z"),
    });
    expect(plan({ site: "not a url", meta: 1, at: "2024-01-01T00:00:00.000Z" })).toBe(INVALID);
    expect(plan({ site: "https://example.com/", at: "2024-01-01T00:00:00.000Z" })).toBe(INVALID);
  });

  it("skips re-checking a top-level key field equal to the requested key, and only a key field", () => {
    const id = "3f8a2c1e-5b7d-4e9f-8a6b-2c4d6e8f0a1b";
    const fields = fieldModels({ id: "uuid", n: "int" });
    const keyed = buildDecodePlan(fields, ["id"])!;
    expect(keyed({ id, n: 1 }, { id })).toEqual({ id, n: 1 });
    expect(keyed({ id: "not-a-uuid", n: 1 }, { id })).toBe(INVALID);
    expect(keyed({ id: "not-a-uuid", n: 1 }, undefined)).toBe(INVALID);
    // not a key field: the key vouches for nothing, the stored id is still checked as a uuid
    const unkeyed = buildDecodePlan(fields, [])!;
    expect(unkeyed({ id: "not-a-uuid", n: 1 }, { id: "not-a-uuid" })).toBe(INVALID);
  });

  for (const definition of definitions.filter((d) => !holdsAnyBytes(d))) {
    it(`${definition.name}: accepts every valid stored value as the plain path decodes it, and never accepts what the plain path refuses`, () => {
      const storedPlan = buildPlan(definition.fieldModels);
      const decode = buildDecodePlan(definition.fieldModels, definition.key)!;
      const keyFields = definition.key;
      const roundTrip = (value: unknown): unknown => {
        const stored = storedPlan ? encodeStored(value, storedPlan) : value;
        return definition.serializer === "msgpack"
          ? packr.unpack(packr.pack(stored))
          : JSON.parse(JSON.stringify(stored));
      };
      fc.assert(
        fc.property(
          objectArbitrary(definition.fieldModels),
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
