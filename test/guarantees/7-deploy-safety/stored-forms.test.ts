// Guarantee 7 across the change of stored form (named JSON object -> positional array, same
// namespace): during a rolling upgrade the new runtime reads what the previous one wrote as the same
// entity, and the previous runtime reads what the new one writes as invalid (a miss it deletes and
// refills), never as wrong data: old -> new -> old never returns another value.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Codec } from "../../../src/runtime/codec.js";
import { buildDecodePlan, INVALID } from "../../../src/runtime/decode-plan.js";
import { writesPositional } from "../../../src/runtime/positional-form.js";
import { buildPlan, decodeStored } from "../../../src/runtime/stored-form.js";
import { definitions, objectArbitrary, type Definition } from "../../runtime/descriptor-arbitraries.js";

const positional = definitions.filter(writesPositional);

/** How the previous runtime read a JSON value: its decode plan, else decodeStored and the schema. */
function previousRuntimeRead(definition: Definition, stored: string): { ok: true; value: unknown } | { ok: false } {
  const value: unknown = JSON.parse(stored.replace(HEADER, ""));
  const fast = buildDecodePlan(definition.fieldModels, definition.key)?.(value);
  if (fast !== undefined && fast !== INVALID) return { ok: true, value: fast };
  const plan = buildPlan(definition.fieldModels);
  const parsed = definition.schema.safeParse(plan ? decodeStored(value, plan) : value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

const HEADER = /^v\|\d+\|[^|]*\|/;

function stored(codec: Codec<unknown>, entity: unknown): string {
  const encoded = codec.encode(entity, "k", 1);
  if (!encoded.ok) throw new Error(encoded.reason);
  return encoded.stored as string;
}

describe("guarantee 7 (deploy safety): named and positional stored forms in one namespace", () => {
  for (const definition of positional) {
    it(`${definition.name}: new reads old as the same entity; old reads new as invalid, never as a value`, () => {
      const next = new Codec(definition, { maxValueBytes: 1 << 22 });
      const previous = new Codec(definition, { maxValueBytes: 1 << 22, writeForm: "named" });
      fc.assert(
        fc.property(objectArbitrary(definition.fieldModels), (entity) => {
          fc.pre(definition.schema.safeParse(entity).success);
          const old = stored(previous, entity);
          const fresh = stored(next, entity);
          expect(old.replace(HEADER, "")).toMatch(/^\{/);
          expect(fresh.replace(HEADER, "")).toMatch(/^\[/);
          const oldRead = previousRuntimeRead(definition, old);
          expect(oldRead.ok).toBe(true);
          // old -> new: the same entity the previous runtime made of it
          expect(next.decode(Buffer.from(old), "k")).toStrictEqual({
            kind: "value",
            entity: (oldRead as { value: unknown }).value,
            freshUntil: 1,
            version: previous.versionOf(entity),
          });
          // new -> old: a miss, never a value
          expect(previousRuntimeRead(definition, fresh)).toEqual({ ok: false });
        }),
        { numRuns: 100 },
      );
    });
  }
});
