import type { z } from "zod";
import type { EntityDefinition, KeyPartType } from "./definition.js";
import { describeValue, InvalidEntityError } from "./errors.js";
import type { Events } from "./events.js";
import { partText } from "./key-encoding.js";
import type { KeySpace, ResolvedKey } from "./key-space.js";
import { buildPlan, reviveRow, type Plan } from "./stored-form.js";
import { holdsJson, type FieldModel } from "./descriptor.js";

/**
 * How deeply an entity may nest objects and arrays, the entity itself being level 1 (so a json
 * field at the top level holds up to 63 levels). Deeper values would overflow the stack in
 * validation and serialization; they are refused before the source or Redis is touched.
 */
export const MAX_DEPTH = 64;

/** Why a value does not fit the schema: the field, what the schema wants there, what was there. */
export interface Misfit {
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

export type Checked<TEntity> = { readonly ok: true; readonly entity: TEntity } | ({ readonly ok: false } & Misfit);

/**
 * Checks `value` against `schema` as the cache would store it: nested at most MAX_DEPTH levels, then
 * parsed by zod (undeclared fields dropped). `fields`: where the schema is an object, its top-level
 * fields that can nest without bound (only they are walked: the depth of an undeclared column, e.g.
 * an ORM's internals, does not matter, and declared fields nest as deep as declared). Never throws.
 */
export function checkEntity<TEntity>(
  schema: z.ZodType<TEntity>,
  value: unknown,
  fields?: readonly string[],
): Checked<TEntity> {
  const deep = fields && isObject(value) ? tooDeepFields(value, fields) : tooDeep(value, 1) ? "(root)" : undefined;
  if (deep !== undefined) {
    return {
      ok: false,
      path: deep,
      expected: `at most ${MAX_DEPTH} levels of nested objects and arrays`,
      got: "a deeper value",
    };
  }
  let parsed: ReturnType<z.ZodType<TEntity>["safeParse"]>;
  try {
    parsed = schema.safeParse(value);
  } catch (error) {
    return { ok: false, path: "(root)", expected: "a value the schema can check", got: String(error) };
  }
  if (parsed.success) return { ok: true, entity: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  return {
    ok: false,
    path: formatPath(path),
    expected: issue ? expectation(issue) : "a valid value",
    got: describeValue(valueAt(value, path)),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function pick(value: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (field in value) out[field] = value[field];
  return out;
}

function tooDeepFields(value: Record<string, unknown>, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    if (field in value && tooDeep(value[field], 2)) return field;
  }
  return undefined;
}

/** Whether `value` (at `level`, the entity being 1) nests deeper than MAX_DEPTH; a cycle counts as too deep. */
function tooDeep(value: unknown, level: number): boolean {
  if (typeof value !== "object" || value === null || value instanceof Date) return false;
  if (level > MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (tooDeep(value[i], level + 1)) return true;
    return false;
  }
  for (const name in value) {
    if (Object.hasOwn(value, name) && tooDeep((value as Record<string, unknown>)[name], level + 1)) return true;
  }
  return false;
}

/**
 * The top-level fields that can nest without bound (those holding a `json` value); every other
 * field nests only as deep as the descriptor declares.
 */
function unboundedFields(fields: readonly FieldModel[]): string[] {
  return fields.filter((field) => holdsJson(field.type)).map((field) => field.name);
}

/** `tags[2].name` from `["tags", 2, "name"]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const part of path) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<PropertyKey, unknown>)[part];
  }
  return at;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_format":
      return `a string in ${issue.format} format`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")}`;
    default:
      return issue.message;
  }
}

/** Whether two values are the same key part (what the key encoding makes of them). */
export function sameKeyPart(type: KeyPartType, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = partText(type, a);
  const tb = partText(type, b);
  return "text" in ta && "text" in tb && ta.text === tb.text;
}

/**
 * The boundary between the application and its source on one side and the cache on the other:
 * an entity given to `save` must fit the schema, and a row the source returns is parsed into what
 * a hit would return (undeclared columns dropped, date strings as Date) and must belong to the key
 * it was loaded for. What does not fit is an InvalidEntityError (and, for a row, an `invalid-value`
 * event): it is never returned, cached or written.
 */
export class EntityCheck<TEntity, TKey> {
  private readonly plan: Plan | null;
  /** The schema's top-level fields, where it is an object. */
  private readonly declared: readonly string[] | undefined;
  private readonly fields: readonly string[] | undefined;
  private readonly keyFields: readonly (readonly [string, KeyPartType])[];

  constructor(
    private readonly definition: EntityDefinition<TEntity, TKey>,
    private readonly keys: KeySpace<TEntity, TKey>,
    private readonly events: Events,
  ) {
    this.plan = buildPlan(definition.fieldModels);
    this.declared = definition.fieldModels.map((field) => field.name);
    this.fields = unboundedFields(definition.fieldModels);
    this.keyFields = Object.entries(definition.keyParts);
  }

  /** An entity given to `save`: its key (InvalidKeyError when its key fields do not fit), then its fields. */
  saved(entity: TEntity, origin = "save"): void {
    const k = this.keys.fromEntity(entity);
    const checked = checkEntity(this.definition.schema, entity, this.fields);
    if (!checked.ok) throw this.error(k.enc, checked, origin);
  }

  /** A row `origin` returned for `k`: the parsed entity, or InvalidEntityError (the row does not fit, or is another key's). */
  row(row: unknown, k: ResolvedKey<TKey>, origin: string): TEntity {
    const entity = this.parse(row, k, origin);
    for (const [field, type] of this.keyFields) {
      const asked = (k.key as Record<string, unknown>)[field];
      const got = (entity as Record<string, unknown>)[field];
      if (!sameKeyPart(type, asked, got)) {
        this.events.record("invalid-value", k.valueKey, { detail: `${origin} returned the row of another key` });
        throw this.error(
          k.enc,
          { path: field, expected: `the key asked, ${describeValue(asked)}`, got: describeValue(got) },
          `${origin} returned the row of another key`,
        );
      }
    }
    return entity;
  }

  /**
   * Rows `source.loadMany` returned for `ks`, matched to the keys by their key fields (whatever
   * their order); null for a key no row matched. An answer of another length than `ks` (the rows
   * found, as `WHERE id = ANY($1)` gives them) cannot say which keys have no row, and nor can one
   * holding a row of a key not asked or a second row for one key (such a row is dropped with an
   * `invalid-value` event): then the keys no row matched are undefined (unknown), for the caller
   * to load one by one.
   */
  rows(rows: readonly unknown[], ks: readonly ResolvedKey<TKey>[], origin: string): (TEntity | null | undefined)[] {
    const position = new Map<string, number>();
    ks.forEach((k, i) => position.set(k.enc, i));
    const out = new Array<TEntity | null>(ks.length).fill(null);
    let trusted = rows.length === ks.length;
    rows.forEach((row, i) => {
      if (row === null || row === undefined) return;
      const near = (ks[i] ?? ks[0]!).valueKey;
      const entity = this.parse(row, undefined, origin, near);
      const enc = this.keys.encOfEntity(entity);
      const j = enc === undefined ? undefined : position.get(enc);
      if (j === undefined || out[j] !== null) {
        trusted = false;
        this.events.record("invalid-value", near, {
          detail: `${origin} returned ${j === undefined ? "the row of a key not asked" : "a second row for one key"}; not cached`,
        });
        return;
      }
      out[j] = entity;
    });
    return trusted ? out : out.map((value) => value ?? undefined);
  }

  /** A row an index loader returned for `indexKey`: the parsed entity (its key is whatever its key fields say). */
  indexRow(row: unknown, indexKey: string, origin: string): TEntity {
    return this.parse(row, undefined, origin, indexKey);
  }

  /** `row` parsed; else an `invalid-value` event (about `k`, else the row's own key, else `near`) and InvalidEntityError. */
  private parse(row: unknown, k: ResolvedKey<TKey> | undefined, origin: string, near?: string): TEntity {
    // The declared fields only, read through getters (an ORM's model instance) into a plain object.
    const declared = this.declared && isObject(row) ? pick(row, this.declared) : row;
    const revived = this.plan ? reviveRow(declared, this.plan) : declared;
    const checked = checkEntity(this.definition.schema, revived, this.fields);
    if (checked.ok) return checked.entity;
    const enc = k?.enc ?? this.keys.encOfEntity(row as TEntity);
    const eventKey = enc === undefined ? near : this.keys.valueKeyOfEnc(enc);
    if (eventKey !== undefined) {
      this.events.record("invalid-value", eventKey, {
        detail: `${origin} returned a row that does not fit the schema (field "${checked.path}"); not cached`,
      });
    }
    throw this.error(enc, checked, `${origin} returned a row that does not fit the schema`);
  }

  private error(key: string | undefined, misfit: Misfit, origin: string): InvalidEntityError {
    return new InvalidEntityError(this.definition.name, key, misfit.path, misfit.expected, misfit.got, origin);
  }
}
