// Guarantee 7 across the changes of stored form (named JSON object -> positional JSON array ->
// compact text, one namespace): during a rolling upgrade this runtime reads what either earlier
// runtime wrote as the same entity, and they read what this one writes as invalid (a miss they
// delete and refill), never as wrong data: old -> new -> old never returns another value.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Codec } from "../../../src/runtime/codec.js";
import { buildDecodePlan, INVALID } from "../../../src/runtime/decode-plan.js";
import { writesPositional } from "../../../src/runtime/positional-form.js";
import { buildPlan, decodeStored } from "../../../src/runtime/stored-form.js";
import { definitions, objectArbitrary, type Definition } from "../../runtime/descriptor-arbitraries.js";

const positional = definitions.filter(writesPositional);

type Read = { ok: true; value: unknown } | { ok: false };

/** How the runtime before the positional form read a JSON value: its decode plan, else decodeStored and the schema. */
function namedRuntimeRead(definition: Definition, stored: string): Read {
  let value: unknown;
  try {
    value = JSON.parse(stored.replace(HEADER, ""));
  } catch {
    return { ok: false }; // "malformed payload"
  }
  const fast = buildDecodePlan(definition.fieldModels, definition.key)?.(value);
  if (fast !== undefined && fast !== INVALID) return { ok: true, value: fast };
  const plan = buildPlan(definition.fieldModels);
  const parsed = definition.schema.safeParse(plan ? decodeStored(value, plan) : value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

/**
 * How the runtime before the compact form read a value: the payload parsed as JSON (it had no other
 * reader), then decoded as this runtime decodes a positional or named value.
 */
function positionalRuntimeRead(next: Codec<unknown>, stored: string): Read {
  try {
    JSON.parse(stored.replace(HEADER, ""));
  } catch {
    return { ok: false }; // "malformed payload"
  }
  const decoded = next.decode(Buffer.from(stored), "k");
  return decoded.kind === "value" ? { ok: true, value: decoded.entity } : { ok: false };
}

const HEADER = /^v\|\d+\|[^|]*\|/;

function stored(codec: Codec<unknown>, entity: unknown): string {
  const encoded = codec.encode(entity, "k", 1);
  if (!encoded.ok) throw new Error(encoded.reason);
  return encoded.stored as string;
}

describe("guarantee 7 (deploy safety): named, positional and compact stored forms in one namespace", () => {
  for (const definition of positional) {
    it(`${definition.name}: new reads both older forms as the same entity; older runtimes read new as invalid, never as a value`, () => {
      const next = new Codec(definition, { maxValueBytes: 1 << 22 });
      const previous = new Codec(definition, { maxValueBytes: 1 << 22, writeForm: "positional" });
      const named = new Codec(definition, { maxValueBytes: 1 << 22, writeForm: "named" });
      fc.assert(
        fc.property(objectArbitrary(definition.fieldModels), (entity) => {
          fc.pre(definition.schema.safeParse(entity).success);
          const oldest = stored(named, entity);
          const old = stored(previous, entity);
          const fresh = stored(next, entity);
          expect(oldest.replace(HEADER, "")).toMatch(/^\{/);
          expect(old.replace(HEADER, "")).toMatch(/^\[/);
          expect(fresh.replace(HEADER, "")).toMatch(/^~/);
          const oldestRead = namedRuntimeRead(definition, oldest);
          expect(oldestRead.ok).toBe(true);
          // older -> new: the same entity the oldest runtime made of it
          const expected = {
            kind: "value",
            entity: (oldestRead as { value: unknown }).value,
            freshUntil: 1,
            version: named.versionOf(entity),
          };
          expect(next.decode(Buffer.from(oldest), "k")).toStrictEqual(expected);
          expect(next.decode(Buffer.from(old), "k")).toStrictEqual(expected);
          expect(next.decode(Buffer.from(fresh), "k")).toStrictEqual(expected);
          expect(positionalRuntimeRead(next, old)).toEqual({ ok: true, value: expected.entity });
          // new -> older: a miss, never a value
          expect(namedRuntimeRead(definition, fresh)).toEqual({ ok: false });
          expect(positionalRuntimeRead(next, fresh)).toEqual({ ok: false });
          expect(namedRuntimeRead(definition, old)).toEqual({ ok: false });
        }),
        { numRuns: 100 },
      );
    });
  }
});
