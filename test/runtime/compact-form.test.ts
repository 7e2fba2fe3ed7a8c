// The compact stored form (src/runtime/compact-form.ts) and its compiled decoder: every valid entity
// round-trips exactly and reads as the same positional value JSON would give; on any tampered text
// the compiled decoder accepts exactly what the reference accepts (readCompact, then
// namedFromPositional and zod), with the same output; nothing throws out of the codec.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Codec } from "../../src/runtime/codec.js";
import { compactPlan, CompactFormError, Cursor, readCompact, writeCompact } from "../../src/runtime/compact-form.js";
import { buildCompactDecodePlan, INVALID } from "../../src/runtime/decode-plan.js";
import { fieldModels } from "../../src/runtime/descriptor.js";
import { encodePositional, namedFromPositional, writesPositional } from "../../src/runtime/positional-form.js";
import { profileEntity } from "../../bench/generated/index.js";
import { makeProfile } from "../../bench/runtime/fixtures.js";
import { definitions, objectArbitrary, type Definition } from "./descriptor-arbitraries.js";

const compact = definitions.filter(writesPositional);
const HEADER = /^v\|\d+\|[^|]*\|/;

function stored<T>(codec: Codec<T>, entity: T): string {
  const result = codec.encode(entity, "k", 1);
  if (!result.ok) throw new Error(result.reason);
  return result.stored as string;
}

/** What the reference makes of a compact text: readCompact, namedFromPositional, the schema. */
function reference(definition: Definition, text: string): { ok: true; value: unknown } | { ok: false } {
  let positional: unknown[];
  try {
    positional = readCompact(text, compactPlan(definition.fieldModels), JSON.parse);
  } catch (error) {
    expect(error).toBeInstanceOf(CompactFormError);
    return { ok: false };
  }
  const named = namedFromPositional(positional, definition.fieldModels);
  if (!named.ok) return { ok: false };
  const parsed = definition.schema.safeParse(named.value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

type Edit = { kind: "delete" | "insert" | "replace" | "truncate" | "repeat"; at: number; char: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom("delete", "insert", "replace", "truncate", "repeat"),
  at: fc.nat(),
  // the characters the form is made of, and a few others
  char: fc.constantFrom("0", "1", "9", ":", ",", "*", "{", "n", "t", "f", "-", ".", "e", "x", "~", "\u00e9"),
});

function applyEdit(text: string, e: Edit): string {
  const at = e.at % (text.length + 1);
  switch (e.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + 1);
    case "insert":
      return text.slice(0, at) + e.char + text.slice(at);
    case "replace":
      return text.slice(0, at) + e.char + text.slice(at + 1);
    case "truncate":
      return text.slice(0, at);
    case "repeat":
      return text.slice(0, at) + text.slice(at, at + 5) + text.slice(at);
  }
}

describe("compact stored form", () => {
  it("is the default for positional entities; its layout", () => {
    const fields = fieldModels({
      id: "string",
      at: "datetime",
      day: { type: "date", optional: true },
      n: { type: "bigint", optional: true, nullable: true },
      score: "float",
      ok: "boolean",
      meta: "json",
      tags: {
        type: "array",
        items: { type: "object", fields: { at: "datetime", note: { type: "string", optional: true } } },
      },
    });
    const entity = {
      id: "a:b",
      at: new Date(1_700_000_000_123),
      n: null,
      score: -1.5e-7,
      ok: true,
      meta: { x: [1, "y"] },
      tags: [{ at: new Date(0) }, { at: new Date(5), note: "x" }],
    };
    const plan = compactPlan(fields);
    const text = writeCompact(encodePositional(entity, fields), plan)!;
    expect(text).toBe('2,3:a:b1700000000123,nn-1.5e-7,t13:{"x":[1,"y"]}2*{0,0,n{1,5,1:x');
    expect(readCompact(text, plan, JSON.parse)).toStrictEqual(
      JSON.parse(JSON.stringify(encodePositional(entity, fields))),
    );
    const decode = buildCompactDecodePlan(fields)!;
    expect(decode(new Cursor(text, JSON.parse))).toStrictEqual(entity);
    // `day` is absent (mask bit 1 clear) but a value stands at its position
    const absentWithValue = text.replace(",nn", ",19000,n");
    expect(absentWithValue).not.toBe(text);
    expect(decode(new Cursor(absentWithValue, JSON.parse))).toBe(INVALID);
    expect(namedFromPositional(readCompact(absentWithValue, plan, JSON.parse), fields)).toMatchObject({ ok: false });
  });

  it("reads every number exactly as Number() reads its text (the digit-by-digit paths included)", () => {
    const read = (text: string): number => new Cursor(`${text},`, JSON.parse).number();
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        expect(Object.is(read(String(d)), d === 0 ? 0 : d)).toBe(true); // String(-0) is "0"
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^-?\d{1,18}(\.\d{1,18})?([eE][+-]?\d{1,3})?$/), (text) => {
        expect(Object.is(read(text), Number(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    for (const bad of ["", "-", "1.", ".5", "1e", "0x10", " 1", "1_0", "+1", "Infinity", "NaN", "1.5.5"])
      expect(() => read(bad)).toThrow(CompactFormError);
  });

  it("writes positional JSON for an entity holding a string that is not well-formed UTF-16, and reads it back exactly", () => {
    const codec = new Codec(profileEntity, { maxValueBytes: 1 << 20 });
    const profile = { ...makeProfile(1), bio: "half a pair: \ud83d" };
    const value = stored(codec, profile);
    expect(value.replace(HEADER, "")).toMatch(/^\[/);
    expect(codec.decode(Buffer.from(value), "k")).toMatchObject({ kind: "value", entity: profile });
    const whole = { ...makeProfile(2), bio: "a whole pair: \ud83d\ude00, and \u00e9" };
    const text = stored(codec, whole);
    expect(text.replace(HEADER, "")).toMatch(/^~/);
    expect(codec.decode(Buffer.from(text), "k")).toMatchObject({ kind: "value", entity: whole });
  });

  it("words why a text is not a compact value, and never allocates what a hostile count claims", () => {
    const codec = new Codec(profileEntity, { maxValueBytes: 1 << 20 });
    const valid = stored(codec, makeProfile(3));
    const decodeText = (text: string) => codec.decode(Buffer.from(text), "k");
    expect(decodeText(valid.slice(0, -3))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/^malformed payload: compact value: expected a number at character \d+$/),
    });
    expect(decodeText(`${valid}x`)).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/text after the value/),
    });
    const hostile = valid.replace(/t\d\*/, "t999999999*");
    expect(hostile).not.toBe(valid);
    expect(decodeText(hostile)).toMatchObject({ kind: "invalid", reason: expect.stringMatching(/compact value/) });
    expect(decodeText(valid.replace(/~36:/, "~99999:"))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/a string longer than the value/),
    });
  });

  for (const definition of compact) {
    it(`${definition.name}: round-trips exactly; reads as the same positional value and entity as JSON; tampered text is judged as the reference judges it`, () => {
      const codec = new Codec(definition, { maxValueBytes: 1 << 22 });
      const json = new Codec(definition, { maxValueBytes: 1 << 22, writeForm: "positional" });
      const plan = compactPlan(definition.fieldModels);
      const decode = buildCompactDecodePlan(definition.fieldModels, definition.key)!;
      fc.assert(
        fc.property(objectArbitrary(definition.fieldModels), fc.array(edit, { maxLength: 3 }), (entity, edits) => {
          const valid = definition.schema.safeParse(entity);
          fc.pre(valid.success);
          const value = stored(codec, entity);
          const payload = value.replace(HEADER, "");
          expect(payload.startsWith("~")).toBe(true);
          const text = payload.slice(1);
          const positional = encodePositional(valid.data, definition.fieldModels);
          expect(readCompact(text, plan, JSON.parse)).toStrictEqual(JSON.parse(JSON.stringify(positional)));
          const fromCompact = codec.decode(Buffer.from(value), "k");
          expect(fromCompact.kind).toBe("value");
          expect(fromCompact).toStrictEqual(codec.decode(Buffer.from(stored(json, entity)), "k"));

          const tampered = edits.reduce(applyEdit, text);
          let fast: unknown;
          try {
            fast = decode(new Cursor(tampered, JSON.parse));
          } catch (error) {
            expect(error).toBeInstanceOf(CompactFormError);
            fast = INVALID;
          }
          const judged = reference(definition, tampered);
          if (fast !== INVALID) {
            expect(judged.ok).toBe(true);
            expect(fast).toStrictEqual((judged as { value: unknown }).value);
          }
          // the codec: the compiled decoder, and where it refuses, the reference; never a throw
          const decoded = codec.decode(Buffer.from(`${value.slice(0, -payload.length)}~${tampered}`), "k");
          if (judged.ok) expect(decoded).toMatchObject({ kind: "value", entity: judged.value });
          else expect(decoded.kind).toBe("invalid");
        }),
        { numRuns: 300 },
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});
