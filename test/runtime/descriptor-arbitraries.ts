// Random values of the entities the tests know (generated, bench and fixture entities), derived
// from their field descriptors: for property tests of what the runtime compiles from a descriptor.
import fc from "fast-check";
import type { EntityDefinition } from "cachegen/runtime";
import type { FieldModel, FieldType } from "../../src/runtime/descriptor.js";
import * as generated from "../../generated/index.js";
import { profileEntity } from "../../bench/generated/index.js";
import { metricEntity } from "./fixtures/metric.js";
import { orderLineEntity } from "./fixtures/order-line.js";
import { teamEntity } from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { userEntity } from "./fixtures/user.js";

export type Definition = EntityDefinition<unknown, unknown>;
export const definitions: Definition[] = [
  ...Object.entries(generated)
    .filter(([name]) => name.endsWith("Entity"))
    .map(([, d]) => d as Definition),
  profileEntity as Definition,
  metricEntity as Definition,
  orderLineEntity as Definition,
  teamEntity as Definition,
  userEntity as Definition,
];

/** Values of the application form of a field type. */
export function arbitrary(type: FieldType): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case "enum":
      return fc.constantFrom(...type.values);
    case "array":
      return fc.array(arbitrary(type.items), { maxLength: 3 });
    case "object":
      return objectArbitrary(type.fields);
    case "scalar":
      break;
  }
  if (type.format === "url") return fc.webUrl();
  if (type.format === "email")
    return fc
      .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/))
      .map(([a, b]) => `${a}@${b}.com`);
  switch (type.scalar) {
    case "string":
      return fc.string({ maxLength: 12 });
    case "uuid":
      return fc.uuid();
    case "int":
      return fc.maxSafeInteger();
    case "float":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "bigint":
      return fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
    case "date":
      return fc
        .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true })
        .map((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())));
    case "datetime":
      return fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });
    case "json":
      return fc.jsonValue({ maxDepth: 2 });
    case "bytes":
      return fc.uint8Array({ maxLength: 8 });
  }
}

export function objectArbitrary(fields: readonly FieldModel[]): fc.Arbitrary<unknown> {
  const values = Object.fromEntries(
    fields.map((field) => {
      let value = arbitrary(field.type);
      if (field.nullable) value = fc.option(value, { nil: null });
      if (field.optional) value = fc.option(value, { nil: undefined });
      return [field.name, value];
    }),
  );
  return fc.record(values, { requiredKeys: fields.filter((field) => !field.optional).map((field) => field.name) });
}

/** Every path (keys and indices) inside a stored value: where property tests tamper with one. */
export function paths(
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
