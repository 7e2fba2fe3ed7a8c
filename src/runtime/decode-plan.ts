import type { Cursor } from "./compact-form.js";
import { CompactGenerator } from "./compact-decoder.js";
import { compile, DecodeGenerator, type DecodeNode } from "./decode-generator.js";
import { holdsBytes, type FieldModel } from "./descriptor.js";
import { PositionalGenerator } from "./positional-decoder.js";
import { positionalFits } from "./positional-form.js";

export { INVALID, type DecodeNode, type Invalid } from "./decode-generator.js";

/**
 * A precompiled read plan: stored form -> application form, validated, in ONE pass.
 *
 * The plain read path is two passes over every value (`decodeStored` revives Dates
 * and bigints, then the zod schema checks the whole value and copies it). A decode plan is built
 * once per definition from the same field descriptor the zod schema is derived from
 * (entity-schema.ts), and compiled to one straight-line function (`new Function`, as zod itself
 * does for objects) that does both at once: each field is checked exactly as its zod schema would
 * check it, revived, and put in the output (a fresh object with only the declared keys, as zod's
 * non-strict object builds), or the function answers `INVALID`.
 *
 * It is an accelerator, never the judge of a rejection: when it answers `INVALID` the codec runs
 * the plain path (which also words the reason), so a value the plan rejects is still accepted if
 * zod accepts it. The plan must therefore only ever ACCEPT what zod accepts, with the same output.
 * `url` and `json` values hold no Date/bigint and are checked by their own zod schema. A test
 * checks plan and zod against each other on valid, mutated and random values.
 *
 * The same generator compiles the decoders of the positional form (positional-form.ts,
 * positional-decoder.ts) and of the compact form (compact-form.ts, compact-decoder.ts), whose
 * refusals the codec hands to `namedFromPositional` and zod in the same way. The generator itself
 * is decode-generator.ts; this file says which entities get which decoder.
 */

/**
 * The decode plan of an entity with these fields (`keyFields`: its key fields, which the key schema
 * has checked in the key a value is read under), or undefined when code generation is not allowed
 * (the codec then keeps the plain path).
 */
export function buildDecodePlan(
  fields: readonly FieldModel[],
  keyFields: readonly string[] = [],
): DecodeNode | undefined {
  // `bytes` are stored per serializer (base64 or binary): such entities take the plain path
  if (fields.some((field) => field.name === "__proto__" || holdsBytes(field.type))) return undefined;
  return compile(new DecodeGenerator(new Set(keyFields)), fields);
}

/**
 * The decode plan of the positional form of an entity with these fields (positional-form.ts), for
 * the entities `positionalFits` admits; undefined when code generation is not allowed.
 */
export function buildPositionalDecodePlan(
  fields: readonly FieldModel[],
  keyFields: readonly string[] = [],
): DecodeNode | undefined {
  if (!positionalFits(fields)) return undefined;
  return compile(new PositionalGenerator(new Set(keyFields)), fields);
}

/**
 * The decoder of the compact form (compact-form.ts): reads a Cursor over the payload and checks and
 * builds the entity as it reads, as the positional decoder does over the parsed array. It answers
 * INVALID where that decoder would, and a Cursor read throws where the text is not a compact value
 * of these fields; the codec then reads it with `readCompact` and judges it as positional JSON.
 */
export function buildCompactDecodePlan(
  fields: readonly FieldModel[],
  keyFields: readonly string[] = [],
): ((cursor: Cursor, key?: unknown) => unknown) | undefined {
  if (!positionalFits(fields)) return undefined;
  return compile(new CompactGenerator(new Set(keyFields)), fields) as
    ((cursor: Cursor, key?: unknown) => unknown) | undefined;
}
