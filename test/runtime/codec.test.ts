import { describe, expect, it } from "vitest";
import { CachegenError, defineEntity } from "cachegen/runtime";
import { fieldModels } from "../../src/runtime/descriptor.js";
import { Codec } from "../../src/runtime/codec.js";
import { buildPlan, decodeStored, encodeStored } from "../../src/runtime/stored-form.js";
import { metricEntity } from "./fixtures/metric.js";
import { userEntity, UserRepository } from "./fixtures/user.js";
import { encryptionKeys, makeUser, UserStore } from "./helpers.js";
import { Redis } from "ioredis";

const codecOptions = { encryptionKeys, maxValueBytes: 1 << 22 };

describe("stored form", () => {
  it("is derived from the field descriptor: datetime, date, bigint, nested in objects and arrays, optional and nullable", () => {
    const definition = defineEntity<unknown, unknown>({
      ...metricEntity,
      invalidates: [],
      key: ["plain"],
      fields: {
        at: "datetime",
        day: { type: "date", nullable: true },
        n: { type: "bigint", optional: true },
        list: { type: "array", items: { type: "object", fields: { at: "datetime", counts: "bigint[]" } } },
        plain: "string",
      },
    });
    const plan = buildPlan(definition.fieldModels)!;
    const value = {
      at: new Date("2024-01-01T10:00:00.123Z"),
      day: new Date("2024-02-29T00:00:00.000Z"),
      list: [{ at: new Date(0), counts: [1n, -2n] }],
      plain: "x",
    };
    const stored = encodeStored(value, plan);
    expect(stored).toEqual({
      at: "2024-01-01T10:00:00.123Z",
      day: "2024-02-29",
      list: [{ at: "1970-01-01T00:00:00.000Z", counts: ["1", "-2"] }],
      plain: "x",
    });
    expect(value.at).toBeInstanceOf(Date); // encode never mutates
    expect(definition.schema.parse(decodeStored(JSON.parse(JSON.stringify(stored)), plan))).toEqual(value);
    expect(buildPlan(fieldModels({ a: "string", b: "json", c: { type: "enum", values: ["x"] } }))).toBeNull();
  });

  it("refuses a definition whose key names no field that can be a key part", () => {
    expect(() => defineEntity({ ...metricEntity, key: ["missing"] })).toThrow(/key field "missing"/);
    expect(() => defineEntity({ ...metricEntity, key: ["samples"] })).toThrow(/key field "samples"/);
    expect(() => defineEntity({ ...metricEntity, fields: { name: { type: "enum" } } })).toThrow(
      /field "name" has no enum values/,
    );
  });

  it("encode never throws: a value nested past the stack (a 100 000-level json field) is not cached, with a reason", () => {
    let meta: unknown = 1;
    for (let i = 0; i < 100_000; i++) meta = [meta];
    const encoded = new Codec(userEntity, codecOptions).encode(makeUser({ meta: meta as never }), "k", Date.now());
    expect(encoded).toMatchObject({ ok: false, reason: expect.stringContaining("cannot be checked") });
  });

  it("msgpack and JSON codecs round-trip the same entity", () => {
    const user = makeUser({ age: 3 });
    const json = new Codec(userEntity, codecOptions);
    const encoded = json.encode(user, "k", Date.now() + 1000);
    if (!encoded.ok) throw new Error(encoded.reason);
    expect(typeof encoded.stored).toBe("string"); // JSON goes to Redis as a string (one-string commands)
    const decoded = json.decode(Buffer.from(encoded.stored), "k");
    expect(decoded).toMatchObject({ kind: "value", entity: user, version: String(user.updatedAt.getTime()) });
    const msgpack = new Codec(metricEntity, codecOptions);
    const metric = { name: "m", total: 2n ** 64n, at: new Date(5), samples: [], day: new Date("2000-01-01T00:00:00Z") };
    const bytes = msgpack.encode(metric, "m", 99);
    expect(bytes.ok).toBe(true);
    expect(msgpack.decode((bytes as { stored: Buffer }).stored, "m")).toEqual({
      kind: "value",
      entity: metric,
      freshUntil: 99,
      version: "",
    });
  });

  it("maxValueBytes counts UTF-8 bytes, not string length", () => {
    const user = makeUser({ name: "€".repeat(400) }); // 400 characters, 1200 bytes
    const size = Buffer.byteLength(
      (new Codec(userEntity, codecOptions).encode(user, "k", 1) as { stored: string }).stored,
    );
    const limited = new Codec(userEntity, { ...codecOptions, maxValueBytes: size - 1 });
    expect(limited.encode(user, "k", 1)).toMatchObject({
      ok: false,
      reason: `is larger than maxValueBytes (${size} > ${size - 1})`,
    });
    expect(new Codec(userEntity, { ...codecOptions, maxValueBytes: size }).encode(user, "k", 1)).toMatchObject({
      ok: true,
    });
  });

  it("does not cache a source value that fails the schema", () => {
    const codec = new Codec(userEntity, codecOptions);
    const result = codec.encode({ ...makeUser(), email: "nope" }, "k", 1);
    expect(result).toMatchObject({ ok: false });
  });
});

describe("encryption", () => {
  const redis = new Redis({ lazyConnect: true });

  it("missing or malformed keys are a clear error at construction", () => {
    const source = new UserStore();
    expect(() => new UserRepository({ redis, source })).toThrow(CachegenError);
    expect(() => new UserRepository({ redis, source })).toThrow(
      /User has encrypted fields \(ssn\): pass encryptionKeys/,
    );
    expect(
      () => new UserRepository({ redis, source, encryptionKeys: { current: "a", keys: { a: new Uint8Array(16) } } }),
    ).toThrow(/must be 32 bytes/);
    expect(
      () => new UserRepository({ redis, source, encryptionKeys: { current: "b", keys: { a: new Uint8Array(32) } } }),
    ).toThrow(/"b" is not among/);
  });

  it("keys rotate: values written under an old key still decrypt while it is listed", () => {
    const user = makeUser();
    const old = new Codec(userEntity, {
      encryptionKeys: { current: "k1", keys: { k1: encryptionKeys.keys.k1 } },
      maxValueBytes: 1 << 20,
    });
    const encoded = old.encode(user, "id", Date.now() + 1000) as { stored: string };
    const written = { bytes: Buffer.from(encoded.stored) };
    expect(encoded.stored).toContain("enc:v1:k1:");
    const rotated = new Codec(userEntity, codecOptions); // current k2, k1 still listed
    expect(rotated.decode(written.bytes, "id")).toMatchObject({ kind: "value", entity: user });
    const retired = new Codec(userEntity, {
      encryptionKeys: { current: "k2", keys: { k2: encryptionKeys.keys.k2 } },
      maxValueBytes: 1 << 20,
    });
    expect(retired.decode(written.bytes, "id")).toMatchObject({ kind: "invalid" });
  });

  it("an entity without encrypted fields needs no keys", () => {
    const def = defineEntity({ ...metricEntity });
    expect(() => new Codec(def, { maxValueBytes: 10 })).not.toThrow();
  });
});
