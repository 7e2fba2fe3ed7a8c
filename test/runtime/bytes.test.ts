// The `bytes` field type: a Uint8Array in the application, base64 text in JSON, binary in msgpack,
// encryptable; a source row giving a Buffer (what pg and most drivers hand out) is accepted and
// returned as a plain Uint8Array, exactly as a hit returns it; anything else is an
// InvalidEntityError naming the field.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { defineEntity, InvalidEntityError, Repository, type EntityDefinition } from "cachegen/runtime";
import { fileRedis, encryptionKeys } from "./helpers.js";

interface Asset {
  id: string;
  body: Uint8Array;
  thumbnails: Uint8Array[];
  secret?: Uint8Array | undefined;
}
type AssetKey = { id: string };

const base = {
  name: "Asset",
  schemaFile: "schemas/asset.yaml",
  keyPrefix: "app",
  namespace: "1.bytes",
  key: ["id"],
  fields: { id: "uuid", body: "bytes", thumbnails: "bytes[]", secret: { type: "bytes", optional: true } },
  strategy: "read-through",
  ttlMs: 60_000,
  jitter: 0,
  indexes: {},
  tags: {},
  invalidates: [],
} as const;

const definitions = {
  json: defineEntity<Asset, AssetKey>({ ...base, serializer: "json" }),
  msgpack: defineEntity<Asset, AssetKey>({ ...base, serializer: "msgpack" }),
  "json, encrypted": defineEntity<Asset, AssetKey>({
    ...base,
    fields: { ...base.fields, secret: { type: "bytes", optional: true, encrypt: true } },
    serializer: "json",
  }),
  "msgpack, encrypted": defineEntity<Asset, AssetKey>({
    ...base,
    fields: { ...base.fields, secret: { type: "bytes", optional: true, encrypt: true } },
    serializer: "msgpack",
  }),
};

let redis: Redis;
const prefix = fileRedis("bytes", (client) => (redis = client));

/** Every byte value 0..255, so base64 and binary both carry what JSON text could not. */
const allBytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));

function asset(): Asset {
  return {
    id: randomUUID(),
    body: allBytes,
    thumbnails: [new Uint8Array([1, 2]), new Uint8Array()],
    secret: new Uint8Array([9, 8, 7]),
  };
}

function setup(definition: EntityDefinition<Asset, AssetKey>, rows: Map<string, unknown>) {
  let loads = 0;
  const source = {
    load: async ({ id }: AssetKey) => {
      loads += 1;
      return (rows.get(id) ?? null) as Asset | null;
    },
  };
  const repo = new Repository<Asset, AssetKey, typeof source>(definition, {
    redis,
    source,
    keyPrefix: `${prefix}${definition.serializer}:${definition.encryptedFields.length}:`,
    encryptionKeys,
  });
  return { repo, loads: () => loads };
}

describe("bytes", () => {
  it.each(Object.keys(definitions) as (keyof typeof definitions)[])(
    "%s: round-trips through Redis as a plain Uint8Array",
    async (name) => {
      const definition = definitions[name];
      const rows = new Map<string, unknown>();
      const { repo, loads } = setup(definition, rows);
      const value = asset();
      rows.set(value.id, value);
      const miss = await repo.get(value.id);
      const hit = await repo.get(value.id);
      expect(loads()).toBe(1);
      for (const read of [miss, hit]) {
        expect(read).toEqual(value);
        expect(read!.body.constructor).toBe(Uint8Array);
        expect(read!.thumbnails[0]!.constructor).toBe(Uint8Array);
      }
      const raw = (await redis.getBuffer(repo.keyOf(value.id)))!;
      const base64 = Buffer.from(allBytes).toString("base64");
      if (definition.serializer === "json") expect(raw.toString("utf8")).toContain(base64);
      else {
        expect(raw.includes(Buffer.from(allBytes))).toBe(true); // binary, not base64 text
        expect(raw.toString("latin1")).not.toContain(base64);
      }
      if (definition.encryptedFields.length) expect(raw.includes(Buffer.from([9, 8, 7]))).toBe(false);
    },
  );

  it("a source row giving Buffers is accepted; the miss returns plain Uint8Arrays, as the hit does", async () => {
    const rows = new Map<string, unknown>();
    const { repo } = setup(definitions.json, rows);
    const value = asset();
    rows.set(value.id, {
      ...value,
      body: Buffer.from(value.body),
      thumbnails: value.thumbnails.map((t) => Buffer.from(t)),
    });
    const miss = await repo.get(value.id);
    expect(miss!.body.constructor).toBe(Uint8Array);
    expect(miss!.thumbnails[0]!.constructor).toBe(Uint8Array);
    expect(miss).toEqual(value);
    expect(await repo.get(value.id)).toEqual(miss);
  });

  it("anything else (a base64 string, an array of numbers) is an InvalidEntityError naming the field", async () => {
    const rows = new Map<string, unknown>();
    const { repo } = setup(definitions.msgpack, rows);
    const value = asset();
    rows.set(value.id, { ...value, body: Buffer.from(value.body).toString("base64") });
    await expect(repo.get(value.id)).rejects.toThrow(InvalidEntityError);
    await expect(repo.get(value.id)).rejects.toThrow(/body/);
    rows.set(value.id, { ...value, body: [1, 2, 3] });
    await expect(repo.get(value.id)).rejects.toThrow(InvalidEntityError);
  });

  it("a cached value whose bytes are not base64 is invalid (a miss, deleted, reloaded)", async () => {
    const rows = new Map<string, unknown>();
    const { repo, loads } = setup(definitions.json, rows);
    const value = asset();
    rows.set(value.id, value);
    await repo.get(value.id);
    const key = repo.keyOf(value.id);
    const raw = (await redis.get(key))!;
    await redis.set(key, raw.replace(Buffer.from(allBytes).toString("base64"), "not*base64"), "PX", 60_000);
    expect(await repo.get(value.id)).toEqual(value);
    expect(loads()).toBe(2);
  });
});
