import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { pack, unpack } from "msgpackr";
import { afterAll, describe, expect, it } from "vitest";
import { MetricRepository } from "../../runtime/fixtures/metric.js";
import { UserRepository, type User } from "../../runtime/fixtures/user.js";
import {
  collectEvents,
  fileRedis,
  encryptionKeys,
  makeUser,
  UserRepo,
  userVariant,
  UserStore,
} from "../../runtime/helpers.js";

let redis!: Redis;
const prefix = fileRedis("untrusted", (client) => (redis = client));

afterAll(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const FUTURE = Date.now() + 3_600_000;

/** A valid stored value for `user`, as the repository writes it. */
async function validStored(repo: UserRepository, source: UserStore, user: User): Promise<string> {
  source.put(user);
  await repo.get(user.id);
  const raw = (await redis.get(repo.keyOf(user.id)))!;
  await redis.del(repo.keyOf(user.id));
  return raw;
}

describe("guarantee 6: the cache is untrusted input", () => {
  const cases: [string, (valid: string, user: User) => string | Buffer][] = [
    ["malformed JSON", () => `v|${FUTURE}||{"id": nope`],
    ["a bad header", (valid) => valid.replace(/^v\|/, "x|")],
    ["no header at all", () => `{"id":"x"}`],
    ["the wrong shape", () => `v|${FUTURE}||{"id":1,"email":[]}`],
    ["a wrong field type deep inside", (valid) => valid.replace('"theme":"dark"', '"theme":42')],
    ["a bad date", (valid) => valid.replace("1990-12-31", "1990-13-45")],
    ["an impossible date (30 February)", (valid) => valid.replace("1990-12-31", "2024-02-30")],
    [
      "an impossible datetime (31 April)",
      (valid) => valid.replace("2024-01-02T03:04:05.678Z", "2024-04-31T03:04:05.678Z"),
    ],
    ["a bad bigint", (valid) => valid.replace('"123456789012345678901234567890"', '"12e5"')],
    ["a top-level __proto__ payload", (valid) => valid.replace('{"id":', '{"__proto__":{"polluted":true},"id":')],
    [
      "a nested __proto__ in a json field",
      (valid) => valid.replace('"meta":{', '"meta":{"__proto__":{"polluted":true},'),
    ],
    ["an escaped __proto__ key", (valid) => valid.replace('"meta":{', '"meta":{"\\u005f_proto__":{"polluted":true},')],
    ["a plaintext value in an encrypted field", (valid) => valid.replace(/"ssn":"[^"]*"/, '"ssn":"123-45-6789"')],
    [
      "a tampered ciphertext",
      (valid) =>
        valid.replace(
          /("ssn":"enc:v1:k2:[^:]*:[^:]*:)(.)/,
          (_, head: string, c: string) => head + (c === "A" ? "B" : "A"),
        ),
    ],
    ["a ciphertext under an unknown key id", (valid) => valid.replace('"ssn":"enc:v1:k2:', '"ssn":"enc:v1:k9:')],
    ["a not-found marker with a payload", () => `n|${FUTURE}||{"x":1}`],
    ["a huge value", (valid) => valid.replace('"name":"Ada"', `"name":"${"x".repeat(5 * 1024 * 1024)}"`)],
    ["binary garbage", () => Buffer.from([0xff, 0x00, 0x7c, 0x7c, 0x7c, 0xc1])],
  ];

  for (const [label, corrupt] of cases) {
    it(`guarantee 6 (untrusted cache): ${label} is a miss, is deleted, raises invalid-value, never throws`, async () => {
      const source = new UserStore();
      const events = collectEvents();
      const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent });
      const user = makeUser();
      const valid = await validStored(repo, source, user);
      const bad = corrupt(valid, user);
      expect(bad).not.toEqual(valid);
      await redis.set(repo.keyOf(user.id), bad);
      source.loads = 0;

      expect(await repo.get(user.id)).toEqual(user);
      expect(source.loads).toBe(1);
      expect(events.of("invalid-value")).toHaveLength(1);
      expect(repo.stats().invalidValues).toBe(1);
      const now = await redis.getBuffer(repo.keyOf(user.id));
      expect(now === null || !now.equals(Buffer.isBuffer(bad) ? bad : Buffer.from(bad))).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty("polluted");
    });
  }

  it("guarantee 6 (untrusted cache): an invalid value is deleted even when the source has nothing to fill", async () => {
    const source = new UserStore();
    const repo = new UserRepo(userVariant({ negativeTtlMs: undefined } as never), {
      redis,
      source,
      keyPrefix: prefix,
      encryptionKeys,
    });
    const id = randomUUID();
    await redis.set(repo.keyOf(id), "garbage");
    expect(await repo.get(id)).toBeNull();
    expect(await redis.exists(repo.keyOf(id))).toBe(0);
  });

  it("guarantee 6 (untrusted cache): a ciphertext copied from another user's entry does not decrypt (bound to its key)", async () => {
    const source = new UserStore();
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    const a = makeUser({ ssn: "AAA" });
    const b = makeUser({ ssn: "BBB" });
    const rawA = await validStored(repo, source, a);
    const rawB = await validStored(repo, source, b);
    const ssnA = /"ssn":"([^"]*)"/.exec(rawA)![1]!;
    await redis.set(repo.keyOf(b.id), rawB.replace(/"ssn":"[^"]*"/, `"ssn":"${ssnA}"`));
    expect((await repo.get(b.id))?.ssn).toBe("BBB");
    expect(repo.stats().invalidValues).toBe(1);
  });

  it("guarantee 6 (untrusted cache): msgpack garbage and a msgpack __proto__ map are misses", async () => {
    const events = collectEvents();
    const metric = { name: "m", total: 1n, at: new Date(0), samples: [], day: new Date(0) };
    const repo = new MetricRepository({
      redis,
      keyPrefix: prefix,
      onEvent: events.onEvent,
      source: { load: async () => structuredClone(metric) },
    });
    const key = repo.keyOf("m");
    await redis.set(key, Buffer.concat([Buffer.from(`v|${FUTURE}||`), Buffer.from([0xc1, 0xff, 0x00])]));
    expect(await repo.get("m")).toEqual(metric);
    // A valid stored metric, plus an own "__proto__" key.
    await redis.del(key);
    await repo.get("m");
    const raw = (await redis.getBuffer(key))!;
    const headerEnd = raw.indexOf("|", raw.indexOf("|", 2) + 1) + 1;
    const stored = unpack(raw.subarray(headerEnd)) as Record<string, unknown>;
    Object.defineProperty(stored, "__proto__", { value: { polluted: true }, enumerable: true });
    const tampered = Buffer.from(pack(stored));
    expect(tampered.includes(Buffer.from("__proto__"))).toBe(true);
    await redis.set(key, Buffer.concat([raw.subarray(0, headerEnd), tampered]));
    expect(await repo.get("m")).toEqual(metric);
    expect(events.of("invalid-value")).toHaveLength(2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
