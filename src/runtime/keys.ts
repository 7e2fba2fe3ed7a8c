import type { z } from "zod";
import type { EntityDefinition, KeyPartType } from "./definition.js";
import { describeValue, InvalidKeyError } from "./errors.js";
import { encodePart, partText, valueText } from "./key-encoding.js";
import { objectShape } from "./stored-form.js";

/** A validated key: the parsed key object plus its encoded form and Redis keys. */
export interface ResolvedKey<TKey> {
  readonly key: TKey;
  /** The encoded key parts joined by `:` (the `<key>` of every Redis key of this entry). */
  readonly enc: string;
  readonly valueKey: string;
  readonly leaseKey: string;
}

/** Normalizes a key prefix: ends with ":" (unless empty), never contains "{" or "}". */
export function normalizePrefix(prefix: string): string {
  if (prefix.includes("{") || prefix.includes("}")) {
    throw new TypeError(`cachegen: keyPrefix ${JSON.stringify(prefix)} must not contain "{" or "}" (they would change the cluster hash tag)`);
  }
  if (prefix === "") return "";
  return prefix.endsWith(":") ? prefix : `${prefix}:`;
}

/**
 * The Redis key layout of one entity (architecture.md, "Redis layout"):
 * `<prefix>{<Entity>}:<ns>:v:<key>` and friends. All keys share the hash tag `{<Entity>}`.
 */
export class KeySpace<TEntity, TKey> {
  readonly prefix: string;
  /** `<prefix>{<Entity>}:<ns>:` */
  readonly base: string;
  readonly valuePrefix: string;
  readonly leasePrefix: string;
  /** Bumped by `invalidateTag`; part of every lease, so a tag invalidation revokes in-flight fills. */
  readonly epochKey: string;
  /** Pub/sub channel for L1 invalidation. */
  readonly channel: string;
  /** Write-behind stream and dead letters: not namespaced, so a deploy still drains them. */
  readonly streamKey: string;
  readonly deadLetterKey: string;

  private readonly fields: readonly (readonly [string, KeyPartType])[];
  private readonly fieldSchemas: Readonly<Record<string, z.ZodType>> | undefined;
  private readonly dateFields: ReadonlySet<string>;

  constructor(
    readonly definition: EntityDefinition<TEntity, TKey>,
    prefix: string,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(definition.name)) {
      throw new TypeError(`cachegen: entity name ${JSON.stringify(definition.name)} must be an identifier`);
    }
    if (/[{}\s]/.test(definition.namespace) || definition.namespace === "") {
      throw new TypeError(`cachegen: ${definition.name} namespace ${JSON.stringify(definition.namespace)} is invalid`);
    }
    this.prefix = normalizePrefix(prefix);
    const tagged = `${this.prefix}{${definition.name}}:`;
    this.base = `${tagged}${definition.namespace}:`;
    this.valuePrefix = `${this.base}v:`;
    this.leasePrefix = `${this.base}l:`;
    this.epochKey = `${this.base}e`;
    this.channel = `${this.base}l1`;
    this.streamKey = `${tagged}q`;
    this.deadLetterKey = `${tagged}dlq`;
    this.fields = Object.entries(definition.key);
    if (this.fields.length === 0) throw new TypeError(`cachegen: ${definition.name} has no key fields`);
    this.fieldSchemas = objectShape(definition.schema);
    this.dateFields = new Set(definition.dateFields ?? []);
  }

  get entity(): string {
    return this.definition.name;
  }

  /** Validates a key (object or bare value) and encodes it. Throws InvalidKeyError. */
  resolve(input: unknown): ResolvedKey<TKey> {
    const name = this.definition.name;
    let object: unknown = input;
    const isPlainObject = typeof input === "object" && input !== null && !(input instanceof Date) && !Array.isArray(input);
    if (!isPlainObject) {
      if (this.fields.length !== 1) {
        const names = this.fields.map(([f]) => f).join(", ");
        throw new InvalidKeyError(`${name} key: expected a key object { ${names} }, got ${describeValue(input)}`);
      }
      object = { [this.fields[0]![0]]: input };
    }
    const parsed = this.definition.keySchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.map(String).join(".") : "(key)";
      const got = issue?.path.length ? (object as Record<string, unknown>)[String(issue.path[0])] : object;
      throw new InvalidKeyError(`${name} key field "${field}": ${issue?.message ?? "invalid"} (got ${describeValue(got)})`);
    }
    const key = parsed.data;
    const parts: string[] = [];
    for (const [field, type] of this.fields) {
      const value = (key as Record<string, unknown>)[field];
      const result = partText(type, value);
      if ("problem" in result) {
        throw new InvalidKeyError(`${name} key field "${field}" (${type}) ${result.problem}, got ${describeValue(value)}`);
      }
      parts.push(encodePart(result.text));
    }
    const enc = parts.join(":");
    return { key, enc, valueKey: this.valuePrefix + enc, leaseKey: this.leasePrefix + enc };
  }

  /** The key of an entity value (its key fields). Throws InvalidKeyError. */
  fromEntity(entity: TEntity): ResolvedKey<TKey> {
    if (typeof entity !== "object" || entity === null) {
      throw new InvalidKeyError(`${this.definition.name}: expected an entity object, got ${describeValue(entity)}`);
    }
    const object: Record<string, unknown> = {};
    for (const [field] of this.fields) object[field] = (entity as Record<string, unknown>)[field];
    return this.resolve(object);
  }

  /** The encoded key of an entity, or undefined when its key fields are not valid. */
  encOfEntity(entity: TEntity): string | undefined {
    try {
      return this.fromEntity(entity).enc;
    } catch {
      return undefined;
    }
  }

  valueKeyOfEnc(enc: string): string {
    return this.valuePrefix + enc;
  }

  leaseKeyOfEnc(enc: string): string {
    return this.leasePrefix + enc;
  }

  /** Set of in-flight write-through writers of one key (for racing writes without versionField). */
  writersKeyOfEnc(enc: string): string {
    return `${this.base}w:${enc}`;
  }

  /** Index entry key for explicit lookup values; validates them. Throws InvalidKeyError. */
  indexKey(index: string, values: readonly unknown[]): string {
    const def = this.definition.indexes[index];
    const name = this.definition.name;
    if (!def) throw new InvalidKeyError(`${name}: unknown index "${index}"`);
    if (values.length !== def.fields.length) {
      throw new InvalidKeyError(`${name} index "${index}": expected ${def.fields.length} value(s) (${def.fields.join(", ")}), got ${values.length}`);
    }
    const parts = def.fields.map((field, i) => this.checkedValue(`index "${index}" field "${field}"`, field, values[i], true));
    return `${this.base}i:${encodePart(index)}:${parts.join(":")}`;
  }

  /** Index entry key of an entity, or undefined when an indexed field is absent. */
  indexKeyOfEntity(index: string, entity: TEntity): string | undefined {
    const def = this.definition.indexes[index];
    if (!def) return undefined;
    const parts = this.entityParts(def.fields, entity);
    return parts && `${this.base}i:${encodePart(index)}:${parts.join(":")}`;
  }

  indexKeysOfEntity(entity: TEntity): string[] {
    const out: string[] = [];
    for (const index of Object.keys(this.definition.indexes)) {
      const k = this.indexKeyOfEntity(index, entity);
      if (k !== undefined) out.push(k);
    }
    return out;
  }

  /** Tag set key for explicit values; validates them. Throws InvalidKeyError. */
  tagKey(tag: string, values: Readonly<Record<string, unknown>>): string {
    const def = this.definition.tags[tag];
    if (!def) throw new InvalidKeyError(`${this.definition.name}: unknown tag "${tag}"`);
    const parts = def.fields.map((field) => this.checkedValue(`tag "${def.pattern}" field "${field}"`, field, values[field], true));
    return `${this.base}t:${encodePart(tag)}:${parts.join(":")}`;
  }

  tagKeysOfEntity(entity: TEntity): string[] {
    const out: string[] = [];
    for (const [tag, def] of Object.entries(this.definition.tags)) {
      const parts = this.entityParts(def.fields, entity);
      if (parts) out.push(`${this.base}t:${encodePart(tag)}:${parts.join(":")}`);
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
    const schema = this.fieldSchemas?.[field];
    if (checkSchema && schema) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        throw new InvalidKeyError(`${name} ${what}: ${parsed.error.issues[0]?.message ?? "invalid"} (got ${describeValue(value)})`);
      }
    }
    const result = valueText(value, this.dateFields.has(field));
    if ("problem" in result) throw new InvalidKeyError(`${name} ${what} ${result.problem}, got ${describeValue(value)}`);
    return encodePart(result.text);
  }
}
