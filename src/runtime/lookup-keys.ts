import type { z } from "zod";
import type { EntityDefinition } from "./definition.js";
import { isDateOnly } from "./descriptor.js";
import { describeValue, InvalidKeyError } from "./errors.js";
import { encodePart, valueText } from "./key-encoding.js";
import { bucketOf } from "./keys.js";

/**
 * The keys of an entity's lookups: index entries, lists and tag sets, from explicit lookup values
 * (validated: they are untrusted input like keys) or from an entity. Each is in the bucket of its
 * own lookup value, not in an entry's. The base of KeySpace, which adds the entries' own keys.
 */
export class LookupKeys<TEntity, TKey> {
  private readonly fieldSchemas: Readonly<Record<string, z.ZodType>>;
  private readonly dateFields: ReadonlySet<string>;

  /** `bucketPrefixes`: per bucket, what every key of the bucket starts with. */
  constructor(
    readonly definition: EntityDefinition<TEntity, TKey>,
    readonly maxKeyLength: number,
    readonly buckets: number,
    protected readonly bucketPrefixes: readonly string[],
  ) {
    this.fieldSchemas = definition.fieldSchemas;
    this.dateFields = new Set(
      definition.fieldModels.filter((field) => isDateOnly(field.type)).map((field) => field.name),
    );
  }

  /** What every key of bucket `bucket` starts with. */
  bucketPrefix(bucket: number): string {
    return this.bucketPrefixes[bucket]!;
  }

  /** Index entries, lists and tag sets: in the bucket of their own lookup value. */
  private lookupKey(kind: "i" | "m" | "t", rest: string): string {
    return `${this.bucketPrefix(bucketOf(`${kind}:${rest}`, this.buckets))}${kind}:${rest}`;
  }

  /** Index entry key for explicit lookup values; validates them. Throws InvalidKeyError. */
  indexKey(index: string, values: readonly unknown[]): string {
    const def = this.definition.indexes[index];
    const name = this.definition.name;
    if (!def) throw new InvalidKeyError(`${name}: unknown index "${index}"`);
    if (values.length !== def.fields.length) {
      throw new InvalidKeyError(
        `${name} index "${index}": expected ${def.fields.length} value(s) (${def.fields.join(", ")}), got ${values.length}`,
      );
    }
    const parts = def.fields.map((field, i) =>
      this.checkedValue(`index "${index}" field "${field}"`, field, values[i], true),
    );
    return this.lookupKey("i", `${encodePart(index)}:${parts.join(":")}`);
  }

  /** Index entry key of an entity, or undefined when an indexed field is absent. */
  indexKeyOfEntity(index: string, entity: TEntity): string | undefined {
    const def = this.definition.indexes[index];
    if (!def) return undefined;
    const parts = this.entityParts(def.fields, entity);
    return parts && this.lookupKey("i", `${encodePart(index)}:${parts.join(":")}`);
  }

  indexKeysOfEntity(entity: TEntity): string[] {
    const out: string[] = [];
    for (const index of Object.keys(this.definition.indexes)) {
      const k = this.indexKeyOfEntity(index, entity);
      if (k !== undefined) out.push(k);
    }
    return out;
  }

  /**
   * List key for explicit values; validates them. Throws InvalidKeyError. One key holds the list's
   * members or the lease of its fill, so a list never needs a second key in its slot.
   */
  listKey(list: string, values: readonly unknown[]): string {
    const def = this.definition.lists?.[list];
    const name = this.definition.name;
    if (!def) throw new InvalidKeyError(`${name}: unknown list "${list}"`);
    if (values.length !== def.fields.length) {
      throw new InvalidKeyError(
        `${name} list "${list}": expected ${def.fields.length} value(s) (${def.fields.join(", ")}), got ${values.length}`,
      );
    }
    const parts = def.fields.map((field, i) =>
      this.checkedValue(`list "${list}" field "${field}"`, field, values[i], true),
    );
    return this.lookupKey("m", `${encodePart(list)}:${parts.join(":")}`);
  }

  /** List key of an entity (the list it is a member of), or undefined when a list field is absent. */
  listKeyOfEntity(list: string, entity: TEntity): string | undefined {
    const def = this.definition.lists?.[list];
    if (!def) return undefined;
    const parts = this.entityParts(def.fields, entity);
    return parts && this.lookupKey("m", `${encodePart(list)}:${parts.join(":")}`);
  }

  listKeysOfEntity(entity: TEntity): string[] {
    const out: string[] = [];
    for (const list of Object.keys(this.definition.lists ?? {})) {
      const k = this.listKeyOfEntity(list, entity);
      if (k !== undefined) out.push(k);
    }
    return out;
  }

  /** Tag set key for explicit values; validates them. Throws InvalidKeyError. */
  tagKey(tag: string, values: Readonly<Record<string, unknown>>): string {
    const def = this.definition.tags[tag];
    if (!def) throw new InvalidKeyError(`${this.definition.name}: unknown tag "${tag}"`);
    const parts = def.fields.map((field) =>
      this.checkedValue(`tag "${def.pattern}" field "${field}"`, field, values[field], true),
    );
    return this.lookupKey("t", `${encodePart(tag)}:${parts.join(":")}`);
  }

  tagKeysOfEntity(entity: TEntity): string[] {
    const out: string[] = [];
    for (const [tag, def] of Object.entries(this.definition.tags)) {
      const parts = this.entityParts(def.fields, entity);
      if (parts) out.push(this.lookupKey("t", `${encodePart(tag)}:${parts.join(":")}`));
    }
    return out;
  }

  /** The tags whose field set is exactly the keys of `tag`. */
  tagsMatching(tag: object): string[] {
    const keys = Object.keys(tag).sort();
    return Object.entries(this.definition.tags)
      .filter(([, def]) => {
        const fields = [...def.fields].sort();
        return fields.length === keys.length && fields.every((f, i) => f === keys[i]);
      })
      .map(([name]) => name);
  }

  private entityParts(fields: readonly string[], entity: TEntity): string[] | undefined {
    const parts: string[] = [];
    for (const field of fields) {
      const result = valueText((entity as Record<string, unknown>)[field], this.dateFields.has(field));
      if ("problem" in result) return undefined;
      parts.push(encodePart(result.text));
    }
    return parts;
  }

  private checkedValue(what: string, field: string, value: unknown, checkSchema: boolean): string {
    const name = this.definition.name;
    // Lookup values are untrusted input like keys: bounded before any check, encoding or Redis call.
    if (typeof value === "string" && value.length > this.maxKeyLength)
      throw new InvalidKeyError(
        `${name} ${what} is ${value.length} characters, longer than maxKeyLength (${this.maxKeyLength})`,
      );
    const schema = this.fieldSchemas[field];
    if (checkSchema && schema) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        throw new InvalidKeyError(
          `${name} ${what}: ${parsed.error.issues[0]?.message ?? "invalid"} (got ${describeValue(value)})`,
        );
      }
    }
    const result = valueText(value, this.dateFields.has(field));
    if ("problem" in result)
      throw new InvalidKeyError(`${name} ${what} ${result.problem}, got ${describeValue(value)}`);
    return encodePart(result.text);
  }
}
