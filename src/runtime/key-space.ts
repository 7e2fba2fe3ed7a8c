import type { EntityDefinition, KeyPartType } from "./definition.js";
import { describeValue, InvalidKeyError } from "./errors.js";
import { encodePart, partText, partValue } from "./key-encoding.js";
import type { L1Slot } from "./l1.js";
import { bucketCount, bucketOf, entityKeyLayout, type EntityKeyLayout } from "./keys.js";
import { LookupKeys } from "./lookup-keys.js";

/** How many bare string keys a KeySpace remembers resolved (see `KeySpace.resolve`), and in how many characters at most. */
const BARE_KEY_CACHE = 4096;
const BARE_KEY_CACHE_CHARS = 1 << 20;

/** The longest encoded key (`<key>` of every Redis key of an entry) a repository takes, by default. */
export const DEFAULT_MAX_KEY_LENGTH = 1024;

/** A validated key: the parsed key object plus its encoded form and Redis keys. */
export interface ResolvedKey<TKey> {
  readonly key: TKey;
  /** The encoded key parts joined by `:` (the `<key>` of every Redis key of this entry). */
  readonly enc: string;
  /** The entry's bucket: every key of the entry carries its hash tag. */
  readonly bucket: number;
  readonly valueKey: string;
  readonly leaseKey: string;
}

/**
 * Where a KeySpace puts an entry's keys: in the entry's bucket (`buckets`), all under the layout-1
 * hash tag `{<Entity>}` (`legacy`), or under one given bucket tag (`entryTag`: a write-behind
 * worker's partition, where the entries it reads were queued, whatever the bucket count then).
 */
export type KeyPlacement = "buckets" | "legacy" | { readonly entryTag: string };

/** A bare string key resolved lately (see `KeySpace.known`). */
export interface KnownKey extends L1Slot {
  readonly value: unknown;
  readonly enc: string;
  readonly bucket: number;
  readonly valueKey: string;
  readonly leaseKey: string;
}

/**
 * The Redis key layout of one entity: `<prefix><Entity>:<ns>:{<bucket tag>}:v:<key>` and friends
 * (see keys.ts). The keys of one entry (value, lease, writer marks, pending count) share the hash
 * tag of the entry's bucket; an index entry or a tag set carries the tag of its own lookup value.
 * `placement` other than `buckets` is for write-behind workers (see KeyPlacement).
 */
export class KeySpace<TEntity, TKey> extends LookupKeys<TEntity, TKey> implements EntityKeyLayout {
  readonly prefix: string;
  readonly root: string;
  readonly base: string;
  readonly bucketTags: readonly string[];
  readonly epochKeys: readonly string[];
  readonly channel: string;
  readonly streamKeys: readonly string[];
  readonly deadLetterKeys: readonly string[];
  readonly legacyRoot: string;
  readonly legacyStreamKey: string;
  readonly legacyDeadLetterKey: string;
  /** Where every entry's keys are, when the placement pins them. */
  private readonly pinnedEntryPrefix: string | undefined;
  readonly legacy: boolean;

  private readonly fields: readonly (readonly [string, KeyPartType])[];
  /**
   * Bare string keys resolved lately (one-field keys only), so a hot key skips zod and encoding:
   * resolving is a pure function of the input string. Bounded: cleared when it reaches
   * BARE_KEY_CACHE entries or BARE_KEY_CACHE_CHARS characters (keys are untrusted input).
   */
  private readonly bareKeys = new Map<string, KnownKey>();
  private bareKeyChars = 0;

  /** `maxKeyLength`: the longest encoded key taken (InvalidKeyError beyond it). */
  constructor(
    definition: EntityDefinition<TEntity, TKey>,
    prefix: string,
    maxKeyLength = DEFAULT_MAX_KEY_LENGTH,
    placement: KeyPlacement = "buckets",
  ) {
    const legacy = placement === "legacy";
    const layout = entityKeyLayout(prefix, definition.name, definition.namespace, bucketCount(definition.writeBehind));
    const legacyBase = `${layout.legacyRoot}${definition.namespace}:`;
    // Per bucket, what every key of the bucket starts with (`<base>{<tag>}:`).
    super(
      definition,
      maxKeyLength,
      layout.buckets,
      legacy ? layout.bucketTags.map(() => legacyBase) : layout.bucketTags.map((tag) => `${layout.base}{${tag}}:`),
    );
    this.legacy = legacy;
    this.prefix = layout.prefix;
    this.root = layout.root;
    this.base = layout.base;
    this.bucketTags = layout.bucketTags;
    this.epochKeys = layout.epochKeys;
    this.channel = layout.channel;
    this.streamKeys = layout.streamKeys;
    this.deadLetterKeys = layout.deadLetterKeys;
    this.legacyRoot = layout.legacyRoot;
    this.legacyStreamKey = layout.legacyStreamKey;
    this.legacyDeadLetterKey = layout.legacyDeadLetterKey;
    this.pinnedEntryPrefix =
      typeof placement === "object" ? `${layout.base}{${placement.entryTag}}:` : legacy ? legacyBase : undefined;
    this.fields = Object.entries(definition.keyParts);
    if (this.fields.length === 0) throw new TypeError(`cachegen: ${definition.name} has no key fields`);
  }

  get entity(): string {
    return this.definition.name;
  }

  /** Validates a key (object or bare value) and encodes it. Throws InvalidKeyError. */
  resolve(input: unknown): ResolvedKey<TKey> {
    if (typeof input === "string") {
      const known = this.bareKeys.get(input);
      if (known) {
        const key: Record<string, unknown> = {};
        key[this.fields[0]![0]] = known.value;
        return {
          key: key as TKey,
          enc: known.enc,
          bucket: known.bucket,
          valueKey: known.valueKey,
          leaseKey: known.leaseKey,
        };
      }
      const resolved = this.resolveUncached(input);
      const chars = input.length + resolved.enc.length + resolved.valueKey.length + resolved.leaseKey.length;
      if (this.bareKeys.size >= BARE_KEY_CACHE || this.bareKeyChars + chars > BARE_KEY_CACHE_CHARS) {
        this.bareKeys.clear();
        this.bareKeyChars = 0;
      }
      const value = (resolved.key as Record<string, unknown>)[this.fields[0]![0]];
      this.bareKeys.set(input, {
        value,
        enc: resolved.enc,
        bucket: resolved.bucket,
        valueKey: resolved.valueKey,
        leaseKey: resolved.leaseKey,
        l1: undefined,
      });
      this.bareKeyChars += chars;
      return resolved;
    }
    return this.resolveUncached(input);
  }

  /**
   * A bare string key resolved lately, without resolving it again (nothing allocated: an L1 hit's
   * path); undefined when it is not remembered (resolve it).
   */
  known(input: unknown): KnownKey | undefined {
    return typeof input === "string" ? this.bareKeys.get(input) : undefined;
  }

  private resolveUncached(input: unknown): ResolvedKey<TKey> {
    const name = this.definition.name;
    let object: unknown = input;
    const isPlainObject =
      typeof input === "object" && input !== null && !(input instanceof Date) && !Array.isArray(input);
    if (!isPlainObject) {
      if (this.fields.length !== 1) {
        const names = this.fields.map(([f]) => f).join(", ");
        throw new InvalidKeyError(`${name} key: expected a key object { ${names} }, got ${describeValue(input)}`);
      }
      object = { [this.fields[0]![0]]: input };
    }
    for (const [field] of this.fields) {
      // Encoding never shortens a part: a part this long cannot fit, and is not worth encoding.
      const value = (object as Record<string, unknown>)[field];
      if (typeof value === "string" && value.length > this.maxKeyLength)
        this.tooLong(`field "${field}" is`, value.length);
    }
    const parsed = this.definition.keySchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.map(String).join(".") : "(key)";
      const got = issue?.path.length ? (object as Record<string, unknown>)[String(issue.path[0])] : object;
      throw new InvalidKeyError(
        `${name} key field "${field}": ${issue?.message ?? "invalid"} (got ${describeValue(got)})`,
      );
    }
    const key = parsed.data;
    const parts: string[] = [];
    for (const [field, type] of this.fields) {
      const value = (key as Record<string, unknown>)[field];
      const result = partText(type, value);
      if ("problem" in result) {
        throw new InvalidKeyError(
          `${name} key field "${field}" (${type}) ${result.problem}, got ${describeValue(value)}`,
        );
      }
      parts.push(encodePart(result.text));
    }
    const enc = parts.join(":");
    if (enc.length > this.maxKeyLength) this.tooLong("encoded key is", enc.length);
    const bucket = this.bucketOfEnc(enc);
    const at = this.pinnedEntryPrefix ?? this.bucketPrefixes[bucket]!;
    return { key, enc, bucket, valueKey: `${at}v:${enc}`, leaseKey: `${at}l:${enc}` };
  }

  private tooLong(what: string, length: number): never {
    throw new InvalidKeyError(
      `${this.definition.name} key ${what} ${length} characters, longer than maxKeyLength (${this.maxKeyLength})`,
    );
  }

  /** The key of an entity value (its key fields). Throws InvalidKeyError. */
  fromEntity(entity: TEntity): ResolvedKey<TKey> {
    if (typeof entity !== "object" || entity === null) {
      throw new InvalidKeyError(`${this.definition.name}: expected an entity object, got ${describeValue(entity)}`);
    }
    if (this.fields.length === 1) {
      const value = (entity as Record<string, unknown>)[this.fields[0]![0]];
      if (typeof value === "string") return this.resolve(value); // the bare form: same key, cached
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

  /** The bucket of an encoded key (a write-behind entity's: its queue partition). */
  bucketOfEnc(enc: string): number {
    return bucketOf(enc, this.buckets);
  }

  /** What every key of the entry `enc` starts with. */
  private entryPrefix(enc: string): string {
    return this.pinnedEntryPrefix ?? this.bucketPrefixes[this.bucketOfEnc(enc)]!;
  }

  /** The tag epoch of a bucket (layout 1: of the entity). */
  epochKeyOf(bucket: number): string {
    return this.legacy ? `${this.bucketPrefixes[0]!}e` : this.epochKeys[bucket]!;
  }

  /** The write-behind stream of a bucket (layout 1: the entity's single stream). */
  streamKeyOf(bucket: number): string {
    return this.legacy ? this.legacyStreamKey : this.streamKeys[bucket]!;
  }

  deadLetterKeyOf(bucket: number): string {
    return this.legacy ? this.legacyDeadLetterKey : this.deadLetterKeys[bucket]!;
  }

  valueKeyOfEnc(enc: string): string {
    return `${this.entryPrefix(enc)}v:${enc}`;
  }

  leaseKeyOfEnc(enc: string): string {
    return `${this.entryPrefix(enc)}l:${enc}`;
  }

  /** Set of in-flight write-through writers of one key (for racing writes without versionField). */
  writersKeyOfEnc(enc: string): string {
    return `${this.entryPrefix(enc)}w:${enc}`;
  }

  /** Count of write-behind queue entries of one key not yet written to the source. */
  pendingKeyOfEnc(enc: string): string {
    return `${this.entryPrefix(enc)}p:${enc}`;
  }

  /**
   * The encoded key of a value key of this namespace, or undefined when `valueKey` is not one (a
   * tag set member is untrusted data: it must not name another entity's or namespace's keys).
   */
  encOfValueKey(valueKey: string): string | undefined {
    if (!valueKey.startsWith(this.base)) return undefined;
    const close = valueKey.indexOf("}:v:", this.base.length);
    if (close < 0) return undefined;
    const enc = valueKey.slice(close + 4);
    return enc !== "" && this.valueKeyOfEnc(enc) === valueKey ? enc : undefined;
  }

  /** The inverse of `resolve(...).enc`: the key an encoded key stands for. Throws InvalidKeyError. */
  parse(enc: string): ResolvedKey<TKey> {
    const texts = enc.split(":");
    if (texts.length !== this.fields.length) {
      throw new InvalidKeyError(
        `${this.definition.name}: encoded key ${JSON.stringify(enc)} has ${texts.length} part(s), expected ${this.fields.length}`,
      );
    }
    const object: Record<string, unknown> = {};
    this.fields.forEach(([field, type], i) => {
      let text: string;
      try {
        text = decodeURIComponent(texts[i]!);
      } catch {
        throw new InvalidKeyError(`${this.definition.name}: encoded key ${JSON.stringify(enc)} is not URI-encoded`);
      }
      object[field] = partValue(type, text);
    });
    const resolved = this.resolve(object);
    if (resolved.enc !== enc)
      throw new InvalidKeyError(`${this.definition.name}: ${JSON.stringify(enc)} is not a canonical encoded key`);
    return resolved;
  }
}
