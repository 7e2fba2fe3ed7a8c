import { Packr } from "msgpackr";
import type { EntityDefinition, KeyPartType } from "./definition.js";
import { sameKeyPart } from "./entity-check.js";
import { describeValue } from "./errors.js";
import { FieldCipher, type EncryptionKeys } from "./encryption.js";
import {
  COMPACT_MARK,
  COMPACT_MARK_BYTE,
  compactPlan,
  Cursor,
  readCompact,
  writeCompact,
  type CompactPlan,
} from "./compact-form.js";
import {
  buildCompactDecodePlan,
  buildDecodePlan,
  buildPositionalDecodePlan,
  INVALID,
  type DecodeNode,
} from "./decode-plan.js";
import {
  compilePositionalEncoder,
  encodePositional,
  namedFromPositional,
  positionalFits,
  writesPositional,
} from "./positional-form.js";
import {
  decompressedPayload,
  readHeader,
  storedBytes,
  storedCompressed,
  storedText,
  VERSION_TEXT,
  type StoredHeader,
  type StoredValue,
} from "./stored-value.js";
import { buildPlan, decodeStored, encodeStored, type Plan } from "./stored-form.js";

/** A stored value after reading: every path out of here has been validated. */
export type Decoded<TEntity> =
  | { readonly kind: "value"; readonly entity: TEntity; readonly freshUntil: number; readonly version: string }
  | { readonly kind: "negative"; readonly freshUntil: number }
  | { readonly kind: "invalid"; readonly reason: string };

export type Encoded =
  { readonly ok: true; readonly stored: StoredValue } | { readonly ok: false; readonly reason: string };

interface Serializer {
  serialize(stored: unknown): Buffer;
  /** The payload is `raw` from `offset` on. Throws on malformed input. */
  deserialize(raw: Buffer, offset: number): unknown;
}

/** JSON.parse of untrusted text: a `__proto__` key (possibly \u-escaped) is never written by us, so it is rejected outright. */
function parseJson(text: string): unknown {
  if (text.includes("proto") || text.includes("\\u")) {
    return JSON.parse(text, (key, value: unknown) => {
      if (key === "__proto__") throw new Error("__proto__ key");
      return value;
    });
  }
  return JSON.parse(text);
}

const jsonSerializer: Serializer = {
  serialize: (stored) => Buffer.from(JSON.stringify(stored), "utf8"),
  deserialize: (raw, offset) => parseJson(raw.toString("utf8", offset)),
};

const packr = new Packr({ useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false });
const PROTO_BYTES = Buffer.from("__proto__");

function hasKey(value: unknown, key: string, depth = 0): boolean {
  if (depth > 256 || typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => hasKey(v, key, depth + 1));
  if (Object.hasOwn(value, key)) return true;
  return Object.values(value).some((v) => hasKey(v, key, depth + 1));
}

const msgpackSerializer: Serializer = {
  serialize: (stored) => packr.pack(stored),
  deserialize: (raw, offset) => {
    const payload = raw.subarray(offset);
    const value: unknown = packr.unpack(payload);
    // msgpackr renames a `__proto__` key to `__proto_`; such a payload was not written by us.
    if (payload.includes(PROTO_BYTES) && hasKey(value, "__proto_")) throw new Error("__proto__ key");
    return value;
  },
};

export interface CodecOptions {
  encryptionKeys?: EncryptionKeys | undefined;
  maxValueBytes: number;
  /**
   * The form values are written in where the entity has a positional one: compact (compact-form.ts,
   * the default), positional JSON (positional-form.ts, as the previous runtime wrote) or named (as
   * the one before it did); the last two for tests of rolling upgrades. Readers take all three.
   */
  writeForm?: "compact" | "positional" | "named" | undefined;
}

/**
 * Entity <-> stored bytes: stored form (plan), encrypted fields, serializer, the stored-value header.
 * Reading validates everything with the zod schema; anything that does not fit is "invalid".
 */
export class Codec<TEntity> {
  private readonly plan: Plan | null;
  /** Stored form -> validated application form in one pass (buildDecodePlan); undefined: plain path only. */
  private readonly decodePlan: DecodeNode | undefined;
  /** The fields of the positional form, when this entity has one (JSON, see positionalFits); else undefined. */
  private readonly positionalFields: EntityDefinition<TEntity, unknown>["fieldModels"] | undefined;
  private readonly positionalPlan: DecodeNode | undefined;
  /** The compact form's plan (compact-form.ts), for the entities with a positional form; else undefined. */
  private readonly compactPlan: CompactPlan | undefined;
  private readonly compactDecoder: ((cursor: Cursor, key?: unknown) => unknown) | undefined;
  /** Whether values are written in the compact form (else as positional JSON), when written positionally. */
  private readonly writesCompact: boolean;
  /** Application form -> positional form, when values are written positionally; else undefined. */
  private readonly positionalEncoder: ((entity: unknown) => unknown[]) | undefined;
  private readonly serializer: Serializer;
  private readonly cipher: FieldCipher | undefined;
  private readonly encrypted: readonly string[];
  private readonly keyFields: readonly (readonly [string, KeyPartType])[];
  readonly maxValueBytes: number;

  constructor(
    private readonly definition: EntityDefinition<TEntity, unknown>,
    options: CodecOptions,
  ) {
    this.plan = buildPlan(definition.fieldModels, definition.serializer === "msgpack");
    this.decodePlan = buildDecodePlan(definition.fieldModels, definition.key);
    const positional = definition.serializer === "json" && positionalFits(definition.fieldModels);
    this.positionalFields = positional ? definition.fieldModels : undefined;
    this.positionalPlan = positional ? buildPositionalDecodePlan(definition.fieldModels, definition.key) : undefined;
    this.compactPlan = positional ? compactPlan(definition.fieldModels) : undefined;
    this.compactDecoder = positional ? buildCompactDecodePlan(definition.fieldModels, definition.key) : undefined;
    this.writesCompact = (options.writeForm ?? "compact") === "compact";
    const fields = definition.fieldModels;
    this.positionalEncoder =
      writesPositional(definition) && options.writeForm !== "named"
        ? (compilePositionalEncoder(fields) ?? ((entity) => encodePositional(entity, fields)))
        : undefined;
    this.serializer = definition.serializer === "msgpack" ? msgpackSerializer : jsonSerializer;
    this.encrypted = definition.encryptedFields;
    this.cipher = this.encrypted.length
      ? new FieldCipher(definition.name, this.encrypted, options.encryptionKeys)
      : undefined;
    this.maxValueBytes = options.maxValueBytes;
    this.keyFields = Object.entries(definition.keyParts);
  }

  /** The `versionField` of an entity as header text (epoch ms for dates), or "". */
  versionOf(entity: TEntity): string {
    const field = this.definition.versionField;
    if (!field) return "";
    const value = (entity as Record<string, unknown>)[field];
    let text = "";
    if (value instanceof Date) text = Number.isNaN(value.getTime()) ? "" : String(value.getTime());
    else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
    else if (typeof value === "bigint") text = value.toString();
    else if (typeof value === "string") text = value;
    return VERSION_TEXT.test(text) ? text : "";
  }

  /** Validates the entity and returns the stored bytes. `enc` is the encoded key (bound into ciphertexts). */
  encode(entity: TEntity, enc: string, freshUntil: number): Encoded {
    let parsed: ReturnType<typeof this.definition.schema.safeParse>;
    try {
      parsed = this.definition.schema.safeParse(entity);
    } catch (error) {
      // e.g. a stack overflow on absurd nesting: never an exception on the way to Redis
      return { ok: false, reason: `cannot be checked: ${(error as Error)?.message ?? String(error)}` };
    }
    if (!parsed.success) {
      return {
        ok: false,
        reason: `does not match the ${this.definition.name} schema: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      };
    }
    let value: unknown = this.positionalEncoder
      ? this.positionalEncoder(parsed.data)
      : this.plan
        ? encodeStored(parsed.data, this.plan)
        : parsed.data;
    if (this.cipher && typeof value === "object" && value !== null) {
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const field of this.encrypted) {
        if (copy[field] !== undefined)
          copy[field] = this.cipher.encrypt(JSON.stringify(copy[field]), this.aad(field, enc));
      }
      value = copy;
    }
    let stored: StoredValue;
    let size: number;
    try {
      if (this.serializer === jsonSerializer) {
        const compact =
          this.writesCompact && this.positionalEncoder
            ? writeCompact(value as unknown[], this.compactPlan!)
            : undefined;
        const text: unknown = compact === undefined ? JSON.stringify(value) : COMPACT_MARK + compact;
        if (typeof text !== "string") throw new TypeError(`JSON.stringify returned ${typeof text}`);
        stored = storedText(freshUntil, this.versionOf(parsed.data), text);
        // UTF-8 is at most 3 bytes per UTF-16 unit: count the bytes only when that could matter.
        size = stored.length * 3 <= this.maxValueBytes ? stored.length : Buffer.byteLength(stored);
      } else {
        stored = storedBytes(freshUntil, this.versionOf(parsed.data), this.serializer.serialize(value));
        size = stored.length;
      }
    } catch (error) {
      return { ok: false, reason: `cannot be serialized: ${(error as Error).message}` };
    }
    const compressOver = this.definition.compress?.overBytes;
    if (compressOver !== undefined && size > compressOver) {
      stored = this.compressed(stored, freshUntil, this.versionOf(parsed.data));
      size = stored.length;
    }
    if (size > this.maxValueBytes)
      return { ok: false, reason: `is larger than maxValueBytes (${size} > ${this.maxValueBytes})` };
    return { ok: true, stored };
  }

  /**
   * Never throws: anything unexpected (even a stack overflow on absurd nesting) is "invalid".
   * `key`: the resolved key it was read under, where known: a value whose key fields differ from it
   * (another entry's value, copied or written under the wrong key) is "invalid" too.
   */
  decode(raw: Buffer, enc: string, key?: unknown): Decoded<TEntity> {
    let decoded: Decoded<TEntity>;
    try {
      decoded = this.decodeUnsafe(raw, enc, key);
    } catch (error) {
      return { kind: "invalid", reason: `cannot be decoded: ${(error as Error)?.message ?? String(error)}` };
    }
    if (decoded.kind === "value" && key !== undefined) {
      for (const [field, type] of this.keyFields) {
        const stored = (decoded.entity as Record<string, unknown>)[field];
        if (!sameKeyPart(type, (key as Record<string, unknown>)[field], stored))
          return { kind: "invalid", reason: `key field "${field}" is ${describeValue(stored)}, not the key read` };
      }
    }
    return decoded;
  }

  private decodeUnsafe(raw: Buffer, enc: string, key: unknown): Decoded<TEntity> {
    if (raw.length > this.maxValueBytes)
      return { kind: "invalid", reason: `larger than maxValueBytes (${raw.length})` };
    const header = readHeader(raw);
    if (!header) return { kind: "invalid", reason: "bad header" };
    if (header.kind === "n") {
      return raw.length > header.offset
        ? { kind: "invalid", reason: "not-found marker with a payload" }
        : { kind: "negative", freshUntil: header.freshUntil };
    }
    let value: unknown;
    try {
      const payload = header.kind === "c" ? decompressedPayload(raw, header.offset, this.maxValueBytes) : raw;
      const offset = header.kind === "c" ? 0 : header.offset;
      if (this.compactPlan && payload[offset] === COMPACT_MARK_BYTE)
        return this.decodeCompact(payload.toString("utf8", offset + 1), header, key);
      value = this.serializer.deserialize(payload, offset);
    } catch (error) {
      return { kind: "invalid", reason: `malformed payload: ${(error as Error).message}` };
    }
    if (this.positionalFields && Array.isArray(value)) return this.decodePositional(value, header, key);
    if (this.cipher) {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return { kind: "invalid", reason: "not an object" };
      const record = value as Record<string, unknown>;
      for (const field of this.encrypted) {
        if (!Object.hasOwn(record, field) || record[field] === undefined) continue;
        const text = record[field];
        const plain = typeof text === "string" ? this.cipher.decrypt(text, this.aad(field, enc)) : undefined;
        if (plain === undefined) return { kind: "invalid", reason: `field "${field}" cannot be decrypted` };
        try {
          record[field] = JSON.parse(plain);
        } catch {
          return { kind: "invalid", reason: `field "${field}" decrypts to malformed JSON` };
        }
      }
    }
    if (this.decodePlan) {
      // One pass; it never mutates `value`, so on INVALID the plain path below judges the same value.
      const entity = this.decodePlan(value, key);
      if (entity !== INVALID)
        return { kind: "value", entity: entity as TEntity, freshUntil: header.freshUntil, version: header.version };
    }
    if (this.plan) value = decodeStored(value, this.plan);
    return this.parsed(value, header);
  }

  /**
   * A compact value (after its mark): the compiled decoder reads, checks and builds it in one pass;
   * where it refuses, the value is read as positional and judged (and the reason worded) as one.
   * Throws on a text that is not a compact value of these fields.
   */
  private decodeCompact(text: string, header: StoredHeader, key: unknown): Decoded<TEntity> {
    if (this.compactDecoder) {
      let entity: unknown = INVALID;
      try {
        entity = this.compactDecoder(new Cursor(text, parseJson), key);
      } catch {
        // not a compact value: readCompact below says where
      }
      if (entity !== INVALID)
        return { kind: "value", entity: entity as TEntity, freshUntil: header.freshUntil, version: header.version };
    }
    return this.decodePositional(readCompact(text, this.compactPlan!, parseJson), header, key);
  }

  /** A positional value (an array): the compiled plan, and where it refuses, the schema judges and words why. */
  private decodePositional(value: unknown[], header: StoredHeader, key: unknown): Decoded<TEntity> {
    if (this.positionalPlan) {
      const entity = this.positionalPlan(value, key);
      if (entity !== INVALID)
        return { kind: "value", entity: entity as TEntity, freshUntil: header.freshUntil, version: header.version };
    }
    const named = namedFromPositional(value, this.positionalFields!);
    if (!named.ok) return { kind: "invalid", reason: named.reason };
    return this.parsed(named.value, header);
  }

  private parsed(value: unknown, header: StoredHeader): Decoded<TEntity> {
    const parsed = this.definition.schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        kind: "invalid",
        reason: `wrong shape at ${issue?.path.map(String).join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
      };
    }
    return { kind: "value", entity: parsed.data, freshUntil: header.freshUntil, version: header.version };
  }

  /** `stored` (an uncompressed value: header and payload) as a compressed one (kind `c`, same header fields). */
  private compressed(stored: StoredValue, freshUntil: number, version: string): Buffer {
    const bytes = typeof stored === "string" ? Buffer.from(stored, "utf8") : stored;
    return storedCompressed(freshUntil, version, bytes.subarray(readHeader(bytes)?.offset ?? bytes.length));
  }

  private aad(field: string, enc: string): string {
    return `${this.definition.name}\u0000${field}\u0000${enc}`;
  }
}
