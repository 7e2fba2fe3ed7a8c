// The positional stored form (src/runtime/positional-form.ts) and its compiled decoder: every valid
// entity round-trips exactly (absent optional fields stay absent, distinct from null), the decoder
// accepts only what zod accepts (through namedFromPositional) with the same output, and a value in
// either form decodes to the same entity.
import fc from "fast-check";
import { unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { Codec } from "../../src/runtime/codec.js";
import { buildPositionalDecodePlan, INVALID } from "../../src/runtime/decode-plan.js";
import { fieldModels } from "../../src/runtime/descriptor.js";
import {
  compilePositionalEncoder,
  encodePositional,
  MAX_OPTIONAL_FIELDS,
  namedFromPositional,
  positionalFits,
  writesPositional,
} from "../../src/runtime/positional-form.js";
import { definitions, objectArbitrary, paths, type Definition } from "./descriptor-arbitraries.js";
import { metricEntity } from "./fixtures/metric.js";

const positional = definitions.filter((d) => d.serializer === "json" && positionalFits(d.fieldModels));

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom<unknown>(
    8.64e15,
    8.64e15 + 1,
    -8.64e15 - 1,
    1e300,
    100_000_000,
    100_000_001,
    -0,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 30,
    2 ** 31,
    -1,
    "1",
    "12e5",
    "2024-01-01T00:00:00.000Z",
    "2024-01-01",
    true,
    null,
    undefined,
    [],
    {},
    JSON.parse('{"__proto__":{"polluted":true}}'),
    JSON.parse('[{"__proto__":{"polluted":true}}]'),
  ),
);
type Mutation = { kind: "delete" | "replace" | "append" | "truncate"; at: number; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("delete", "replace", "append", "truncate"),
  at: fc.nat(),
  value: odd,
});

/**
 * Changes the stored value at one of its paths (the root included): a hole, another value, one
 * element more or less. The value put in is a copy: fast-check hands out the same constant object
 * to every run, and a later mutation inside it must not change it (it made a cycle once).
 */
function mutate(stored: unknown[], m: Mutation): void {
  const all: (string | number)[][] = [[], ...paths(stored)];
  const path = all[m.at % all.length]!;
  let target = stored as unknown as Record<string | number, unknown>;
  for (const p of path) target = target[p] as Record<string | number, unknown>;
  if (m.kind === "append" || m.kind === "truncate") {
    if (!Array.isArray(target)) return;
    if (m.kind === "append") target.push(structuredClone(m.value));
    else target.pop();
    return;
  }
  if (path.length === 0) return;
  let parent = stored as unknown as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === "delete") delete parent[last];
  else parent[last] = structuredClone(m.value);
}

/** What zod makes of a positional value: namedFromPositional, then the schema. */
function reference(definition: Definition, stored: unknown): { ok: true; value: unknown } | { ok: false } {
  const named = namedFromPositional(stored, definition.fieldModels);
  if (!named.ok) return { ok: false };
  const parsed = definition.schema.safeParse(named.value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

describe("positional stored form", () => {
  it("is read for JSON entities without bytes or encrypted fields, and written unless they are write-behind", () => {
    expect(positional.map((d) => d.name).sort()).toEqual(
      ["Order", "OrderLine", "Profile", "Review", "StockLevel", "Team"].sort(),
    );
    expect(
      positional
        .filter(writesPositional)
        .map((d) => d.name)
        .sort(),
    ).toEqual(["OrderLine", "Profile", "Review", "StockLevel", "Team"].sort());
    const many = Object.fromEntries(
      Array.from({ length: MAX_OPTIONAL_FIELDS + 1 }, (_, i) => [`f${i}`, { type: "int", optional: true }] as const),
    );
    expect(positionalFits(fieldModels(many))).toBe(false);
    expect(positionalFits(fieldModels({ secret: { type: "string", encrypt: true } }))).toBe(false);
    expect(positionalFits(fieldModels({ blob: "bytes" }))).toBe(false);
  });

  it("keeps absent and null apart, datetimes as epoch ms, dates as epoch days, bigints as text, nested objects as arrays", () => {
    const fields = fieldModels({
      id: "string",
      at: "datetime",
      day: { type: "date", optional: true },
      n: { type: "bigint", optional: true, nullable: true },
      tags: {
        type: "array",
        items: { type: "object", fields: { at: "datetime", note: { type: "string", optional: true } } },
      },
    });
    const entity = {
      id: "a",
      at: new Date(1_700_000_000_123),
      n: null,
      tags: [{ at: new Date(0) }, { at: new Date(5), note: "x" }],
    };
    const stored = encodePositional(entity, fields);
    expect(stored).toEqual([
      2,
      "a",
      1_700_000_000_123,
      null,
      null,
      [
        [0, 0, null],
        [1, 5, "x"],
      ],
    ]);
    const decode = buildPositionalDecodePlan(fields)!;
    expect(decode(JSON.parse(JSON.stringify(stored)))).toStrictEqual(entity);
    expect(encodePositional({ ...entity, day: new Date("2024-02-29T00:00:00.000Z"), n: 7n }, fields)).toEqual([
      3,
      "a",
      1_700_000_000_123,
      19_782,
      "7",
      [
        [0, 0, null],
        [1, 5, "x"],
      ],
    ]);
    // absent with a value at its position, a mask naming a field that is not there
    expect(decode([0, "a", 1, 5, null, []])).toBe(INVALID);
    expect(namedFromPositional([0, "a", 1, 5, null, []], fields)).toMatchObject({ ok: false });
    expect(decode([4, "a", 1, null, null, []])).toBe(INVALID);
    expect(namedFromPositional([4, "a", 1, null, null, []], fields)).toMatchObject({ ok: false });
  });

  for (const definition of positional) {
    it(`${definition.name}: every valid entity round-trips exactly, in both forms, and the compiled decoder never accepts what zod refuses`, () => {
      const decode = buildPositionalDecodePlan(definition.fieldModels, definition.key)!;
      const codec = new Codec(definition, { maxValueBytes: 1 << 22 });
      const named = new Codec(definition, { maxValueBytes: 1 << 22, writeForm: "named" });
      fc.assert(
        fc.property(
          objectArbitrary(definition.fieldModels),
          fc.array(mutation, { maxLength: 3 }),
          (entity, mutations) => {
            const valid = definition.schema.safeParse(entity);
            fc.pre(valid.success);
            const stored = JSON.parse(
              JSON.stringify(encodePositional(valid.data, definition.fieldModels)),
            ) as unknown[];
            if (mutations.length === 0 && writesPositional(definition)) {
              // exact round trip, and the same entity the named form (the previous runtime's) gives
              const fromPositional = codec.decode(Buffer.from(encoded(codec, entity)), "k");
              const fromNamed = codec.decode(Buffer.from(encoded(named, entity)), "k");
              expect(fromPositional).toMatchObject({ kind: "value", entity: withoutNegativeZero(valid.data) });
              expect(fromPositional).toStrictEqual(fromNamed);
              expect(decode(stored)).not.toBe(INVALID);
            }
            for (const m of mutations) mutate(stored, m);
            const snapshot = structuredClone(stored);
            const fast = decode(stored);
            expect(stored).toEqual(snapshot); // never mutates its input
            const judged = reference(definition, structuredClone(stored));
            if (fast !== INVALID) {
              expect(judged.ok).toBe(true);
              expect(fast).toStrictEqual((judged as { value: unknown }).value);
            } else {
              // the codec's fallback judges the same value: a refusal of the plan is never an acceptance by the codec it would differ from
              expect(judged.ok).toBe(false);
            }
          },
        ),
        { numRuns: 300 },
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  for (const definition of positional) {
    it(`${definition.name}: the compiled encoder writes what encodePositional writes`, () => {
      const compiled = compilePositionalEncoder(definition.fieldModels)!;
      fc.assert(
        fc.property(objectArbitrary(definition.fieldModels), (entity) => {
          const valid = definition.schema.safeParse(entity);
          fc.pre(valid.success);
          expect(compiled(valid.data)).toStrictEqual(encodePositional(valid.data, definition.fieldModels));
          // a present undefined (which zod keeps for an optional field) is written as absent by both
          expect(compiled(entity)).toStrictEqual(encodePositional(entity, definition.fieldModels));
        }),
        { numRuns: 200 },
      );
    });
  }

  it("msgpack entities keep the named form", () => {
    const codec = new Codec(metricEntity, { maxValueBytes: 1 << 20 });
    const metric = { name: "m", total: 2n, at: new Date(5), samples: [], day: new Date(0) };
    const stored = (codec.encode(metric, "m", 1) as { stored: Buffer }).stored;
    const payload = unpack(stored.subarray(stored.indexOf("||") + 2)) as unknown;
    expect(payload).toMatchObject({ name: "m", total: "2" });
  });
});

/** JSON writes -0 as 0, in either form. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (typeof value === "object" && value !== null && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  return value;
}

function encoded(codec: Codec<unknown>, entity: unknown): string {
  const result = codec.encode(entity, "k", 1);
  if (!result.ok) throw new Error(result.reason);
  return result.stored as string;
}
