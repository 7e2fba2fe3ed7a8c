import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineEntity, deleteByPrefix, InvalidKeyError, Repository } from "cachegen/runtime";
import { normalizePrefix } from "../../../src/runtime/keys.js";
import { KeySpace } from "../../../src/runtime/key-space.js";
import { escapeGlob } from "../../../src/runtime/key-encoding.js";
import { orderLineEntity, OrderLineRepository } from "../../runtime/fixtures/order-line.js";
import { userEntity, UserRepository } from "../../runtime/fixtures/user.js";
import { connect, encryptionKeys, recordCommands, uniquePrefix, UserStore } from "../../runtime/helpers.js";
import { scanKeys } from "../../support/scan-keys.js";

interface Pair {
  a: string;
  b: string;
}
const pairEntity = defineEntity<Pair, Pair>({
  name: "Pair",
  schemaFile: "schemas/pair.yaml",
  keyPrefix: "app",
  namespace: "1.abcdef01",
  key: ["a", "b"],
  fields: { a: "string", b: "string" },
  strategy: "cache-aside",
  ttlMs: 1000,
  jitter: 0,
  serializer: "json",
  indexes: {},
  tags: {},
  invalidates: [],
});

const nasty = fc.string({
  unit: fc.constantFrom(":", "{", "}", "*", "?", "[", "]", "\\", " ", "%", "a", "é", "😀", "\u0000", "/", "|"),
  minLength: 1,
  maxLength: 8,
});

function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = key.indexOf("}", open + 1);
  return key.slice(open + 1, close);
}

let redis: Redis;
const prefix = uniquePrefix("keys");

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

describe("guarantee 5: keys", () => {
  it("guarantee 5 (keys): composite key encoding is injective whatever : { } * ? [ ] \\ the parts hold", () => {
    const space = new KeySpace(pairEntity, "app");
    fc.assert(
      fc.property(nasty, nasty, nasty, nasty, (a1, b1, a2, b2) => {
        const k1 = space.resolve({ a: a1, b: b1 }).valueKey;
        const k2 = space.resolve({ a: a2, b: b2 }).valueKey;
        expect(k1 === k2).toBe(a1 === a2 && b1 === b2);
      }),
      { numRuns: 2000 },
    );
    // Moving text across the part boundary (where collisions would come from) never collides.
    fc.assert(
      fc.property(nasty, nasty, nasty, fc.constantFrom(":", "%3A", "%", "*", "%2A", "{", "}"), (x, y, z, sep) => {
        const left = space.resolve({ a: x + sep + y, b: z }).valueKey;
        const right = space.resolve({ a: x, b: y + sep + z }).valueKey;
        expect(left).not.toBe(right);
      }),
      { numRuns: 500 },
    );
  });

  it("guarantee 5 (keys): the keys of one entry (value, lease, writers, pending, epoch, partition) share its bucket's hash tag; an index entry or tag set carries its lookup value's; all glob-safe", () => {
    const space = new KeySpace(userEntity, "app");
    const lookups = new Set<string>();
    fc.assert(
      fc.property(fc.uuid({ version: 4 }), (id) => {
        const k = space.resolve(id);
        const tag = space.bucketTags[k.bucket]!;
        const keys = [
          k.valueKey,
          k.leaseKey,
          space.epochKeyOf(k.bucket),
          space.writersKeyOfEnc(k.enc),
          space.pendingKeyOfEnc(k.enc),
        ];
        for (const key of keys) expect(hashTag(key)).toBe(tag);
        const email = `u${id.slice(0, 8)}@example.com`;
        const index = space.indexKey("byEmail", [email]);
        expect(index).toBe(space.indexKey("byEmail", [email]));
        lookups.add(hashTag(index));
        lookups.add(hashTag(space.tagKey("team", { teamId: id })));
      }),
      { numRuns: 200 },
    );
    // 400 lookup values over 64 buckets: (nearly) every bucket is used.
    expect(lookups.size).toBeGreaterThan(56);
    const pairs = new KeySpace(pairEntity, "app");
    fc.assert(
      fc.property(nasty, nasty, (a, b) => {
        const suffix = pairs.resolve({ a, b }).enc;
        expect(suffix).not.toMatch(/[{}*?[\]\\ ]/);
        expect(suffix.split(":")).toHaveLength(2);
      }),
    );
  });

  it("SCAN MATCH with a key (glob-escaped) matches exactly that key", async () => {
    const repo = new Repository(pairEntity, { redis, keyPrefix: prefix });
    const keys = [
      { a: "x*", b: "y" },
      { a: "x", b: "y" },
      { a: "x?", b: "[y]" },
    ];
    for (const k of keys) await repo.get(k, async () => k);
    for (const k of keys) {
      expect(await scanKeys(redis, escapeGlob(repo.keyOf(k)))).toEqual([repo.keyOf(k)]);
    }
  });

  it("prefixes are normalized to end with ':' and may not contain braces", () => {
    expect(normalizePrefix("app")).toBe("app:");
    expect(normalizePrefix("app:")).toBe("app:");
    expect(new KeySpace(userEntity, "svc").base).toBe("svc:User:1.5e0c9b2a:");
    expect(() => new UserRepository({ redis, source: new UserStore(), keyPrefix: "a{b}", encryptionKeys })).toThrow(
      TypeError,
    );
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: "own:" });
    expect(() => new UserRepository({ redis: prefixed, source: new UserStore(), encryptionKeys })).toThrow(
      /has its own keyPrefix/,
    );
  });

  it("InvalidKeyError names the entity, the field and the problem, before any Redis or source call", async () => {
    const source = new UserStore();
    const users = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    const lines = new OrderLineRepository({ redis, keyPrefix: prefix });
    const commands = recordCommands(redis);
    const load = async () => null;

    await expect(users.get(42 as never)).rejects.toThrow(InvalidKeyError);
    await expect(users.get(42 as never)).rejects.toThrow(/User key field "id": .*got 42 \(number\)/);
    await expect(users.get("not-a-uuid")).rejects.toThrow(/User key field "id"/);
    await expect(lines.get({ orderId: "", lineNo: 1 }, load)).rejects.toThrow(
      /OrderLine key field "orderId" \(string\) must not be empty/,
    );
    await expect(lines.get({ orderId: "a\uD800b", lineNo: 1 }, load)).rejects.toThrow(
      /OrderLine key field "orderId" \(string\) contains an unpaired UTF-16 surrogate/,
    );
    await expect(lines.get({ orderId: "a", lineNo: 1.5 }, load)).rejects.toThrow(/OrderLine key field "lineNo"/);
    await expect(lines.get("a" as never, load)).rejects.toThrow(
      /OrderLine key: expected a key object \{ orderId, lineNo \}/,
    );
    await expect(
      lines.getMany([
        { orderId: "a", lineNo: 1 },
        { orderId: "", lineNo: 2 },
      ]),
    ).rejects.toThrow(InvalidKeyError);
    await expect(users.getByEmail("not an email")).rejects.toThrow(/User index "byEmail" field "email"/);
    await expect(users.invalidateTeam("nope")).rejects.toThrow(/User tag "team:\{teamId\}" field "teamId"/);
    expect(() => users.keyOf("x")).toThrow(InvalidKeyError);
    expect(commands.names).toEqual([]);
    expect(source.loads + source.indexLoads).toBe(0);
  });

  it("keyOf is the value key; bare values and key objects are the same key", () => {
    const users = new UserRepository({ redis, source: new UserStore(), keyPrefix: "app", encryptionKeys });
    const id = "0b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1e01";
    expect(users.keyOf(id)).toMatch(new RegExp(`^app:User:1\\.5e0c9b2a:\\{[0-9a-z]+\\}:v:${id}$`));
    expect(users.keyOf({ id })).toBe(users.keyOf(id));
    expect(new KeySpace(orderLineEntity, "app").resolve({ orderId: "a:b", lineNo: -0 }).enc).toBe("a%3Ab:0");
  });
});
