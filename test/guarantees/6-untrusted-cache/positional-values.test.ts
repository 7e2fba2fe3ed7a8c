// Guarantee 6 on the positional stored form (src/runtime/positional-form.ts): a tampered array is a
// miss, is deleted, raises invalid-value, never pollutes a prototype; the named form the previous
// runtime wrote still reads as a hit in the same namespace.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { profileEntity, ProfileRepository, type Profile } from "../../../bench/generated/index.js";
import { makeProfile } from "../../../bench/runtime/fixtures.js";
import { Codec } from "../../../src/runtime/codec.js";
import { collectEvents, connect, uniquePrefix } from "../../runtime/helpers.js";

let redis: Redis;
const prefix = uniquePrefix("positional");

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

function profiles(rows: Map<string, Profile>) {
  const events = collectEvents();
  let loads = 0;
  const repo = new ProfileRepository({
    redis,
    keyPrefix: prefix,
    onEvent: events.onEvent,
    source: {
      load: async (key) => {
        loads += 1;
        return structuredClone(rows.get(key.id) ?? null);
      },
    },
  });
  return { repo, events, loads: () => loads };
}

/** The payload of a stored value as a positional array (a Profile has no optional fields: no mask). */
function payload(raw: string): { head: string; fields: unknown[] } {
  const at = raw.indexOf("[");
  return { head: raw.slice(0, at), fields: JSON.parse(raw.slice(at)) as unknown[] };
}

const edit =
  (change: (fields: unknown[]) => void) =>
  (raw: string): string => {
    const { head, fields } = payload(raw);
    change(fields);
    return head + JSON.stringify(fields);
  };

describe("guarantee 6 (untrusted cache): the positional form", () => {
  const cases: [string, (valid: string) => string][] = [
    ["one element too many", edit((f) => f.push("extra"))],
    ["one element too few", edit((f) => f.pop())],
    ["a wrong type at a position (age as text)", edit((f) => (f[4] = "21"))],
    ["fields swapped (email and name)", edit((f) => ([f[1], f[2]] = [f[2], f[1]]))],
    ["a datetime as ISO text", edit((f) => (f[10] = "2024-01-01T00:00:00.000Z"))],
    ["a fractional datetime", edit((f) => (f[10] = 1.5))],
    ["a datetime past what a Date holds", edit((f) => (f[11] = 8.64e15 + 1))],
    ["a huge number as a datetime", edit((f) => (f[11] = 1e300))],
    [
      "a nested object in the named form",
      edit((f) => (f[9] = { street: "a", city: "b", postcode: "c", country: "d" })),
    ],
    ["a nested array of the wrong length", edit((f) => (f[9] as unknown[]).push("x"))],
    [
      "a __proto__ object where the nested object goes",
      (valid) => valid.replace(/\["[^"]*Engine Road"[^\]]*\]/, '{"__proto__":{"polluted":true}}'),
    ],
    ["a __proto__ key appended", (valid) => valid.replace(/\]$/, ',{"__proto__":{"polluted":true}}]')],
    ["an enum value not declared", edit((f) => (f[8] = "deleted"))],
    ["a string array holding a number", edit((f) => (f[7] as unknown[]).push(1))],
  ];

  for (const [label, corrupt] of cases) {
    it(`${label} is a miss, is deleted, raises invalid-value`, async () => {
      const profile = makeProfile(1);
      const { repo, events, loads } = profiles(new Map([[profile.id, profile]]));
      expect(await repo.get(profile.id)).toEqual(profile);
      const valid = (await redis.get(repo.keyOf(profile.id)))!;
      expect(valid).toMatch(/^v\|\d+\|\|\[/); // written positionally
      const bad = corrupt(valid);
      expect(bad).not.toEqual(valid);
      await redis.set(repo.keyOf(profile.id), bad);

      expect(await repo.get(profile.id)).toEqual(profile);
      expect(loads()).toBe(2);
      expect(events.of("invalid-value")).toHaveLength(1);
      expect(await redis.get(repo.keyOf(profile.id))).not.toBe(bad);
      expect(Object.prototype).not.toHaveProperty("polluted");
    });
  }

  it("a value the previous runtime wrote (named form) is a hit in the same namespace (rolling upgrade)", async () => {
    const profile = makeProfile(2);
    const { repo, events, loads } = profiles(new Map([[profile.id, profile]]));
    const previous = new Codec(profileEntity, { maxValueBytes: 1 << 20, writeForm: "named" });
    const named = previous.encode(profile, "", Date.now() + 60_000);
    if (!named.ok) throw new Error(named.reason);
    expect(named.stored).toMatch(/^v\|\d+\|\|\{"id":/);
    await redis.set(repo.keyOf(profile.id), named.stored);
    expect(await repo.get(profile.id)).toEqual(profile);
    expect(loads()).toBe(0);
    expect(events.of("invalid-value")).toHaveLength(0);
  });
});
