// The compiled clone (src/runtime/entity-clone.ts) is what an L1 hit hands out: for every value the
// schema accepts it must be what structuredClone makes of it, and share nothing mutable with it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileClone } from "../../src/runtime/entity-clone.js";
import { fieldModels } from "../../src/runtime/descriptor.js";
import { definitions, objectArbitrary } from "./descriptor-arbitraries.js";

/** Every object (arrays and Dates included) inside a value. */
function objectsIn(value: unknown, out = new Set<object>()): Set<object> {
  if (typeof value === "object" && value !== null) {
    out.add(value);
    if (!(value instanceof Date)) for (const v of Object.values(value)) objectsIn(v, out);
  }
  return out;
}

describe("compiled clone", () => {
  for (const definition of definitions) {
    it(`${definition.name}: is structuredClone of every valid value, sharing no object with it`, () => {
      const clone = compileClone(definition.fieldModels);
      expect(clone).not.toBe(structuredClone);
      fc.assert(
        fc.property(objectArbitrary(definition.fieldModels), (value) => {
          const parsed = definition.schema.safeParse(value);
          fc.pre(parsed.success);
          const entity = parsed.data;
          const copy = clone(entity);
          expect(copy).toStrictEqual(structuredClone(entity));
          expect(Object.keys(copy as object)).toEqual(Object.keys(entity as object));
          const mine = objectsIn(entity);
          for (const object of objectsIn(copy)) expect(mine.has(object)).toBe(false);
        }),
        { numRuns: 200 },
      );
    });
  }

  it("compiles each clone from a source of its own (V8 would share one's allocation sites between clones of one source)", () => {
    const fields = fieldModels({ a: "string", b: "datetime" });
    expect(compileClone(fields).toString()).not.toBe(compileClone(fields).toString());
  });

  it("quotes field names as data, never as code", () => {
    const fields = fieldModels({ 'a"]; throw 1; //': "string", "b\nc": { type: "datetime", optional: true } });
    const clone = compileClone(fields);
    const value = { 'a"]; throw 1; //': "x", "b\nc": new Date(0) };
    expect(clone(value)).toStrictEqual(value);
    expect(clone({ 'a"]; throw 1; //': "y" })).toStrictEqual({ 'a"]; throw 1; //': "y" });
  });
});
