// Guarantee 6 on the stored forms a JSON entity is written in: compact (src/runtime/compact-form.ts),
// which this runtime writes, and positional JSON (src/runtime/positional-form.ts), which the
// previous runtime wrote and this one still reads. A tampered value is a miss, is deleted, raises
// invalid-value, never pollutes a prototype; strings that look like the compact form's own syntax,
// or like `__proto__`, are data and read back exactly; the named form of the runtime before still
// reads as a hit in the same namespace.
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { profileEntity, ProfileRepository, type Profile } from "../../../bench/generated/index.js";
import { makeProfile } from "../../../bench/runtime/fixtures.js";
import { Codec } from "../../../src/runtime/codec.js";
import { collectEvents, fileRedis } from "../../runtime/helpers.js";

let redis!: Redis;
const prefix = fileRedis("positional", (client) => (redis = client));

afterAll(() => {
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

type Profiles = ReturnType<typeof profiles>;

/** `bad` stored over the valid value of `profile`: the next get is a miss that loads, deletes it and raises invalid-value. */
async function expectTamperedIsMiss({ repo, events, loads }: Profiles, profile: Profile, bad: string): Promise<void> {
  const loadsBefore = loads();
  await redis.set(repo.keyOf(profile.id), bad);
  expect(await repo.get(profile.id)).toEqual(profile);
  expect(loads()).toBe(loadsBefore + 1);
  expect(events.of("invalid-value")).toHaveLength(1);
  expect(await redis.get(repo.keyOf(profile.id))).not.toBe(bad);
  expect(Object.prototype).not.toHaveProperty("polluted");
}

/** A Profile as the previous runtime stored it: positional JSON. */
function positionalValue(profile: Profile): string {
  const previous = new Codec(profileEntity, { maxValueBytes: 1 << 20, writeForm: "positional" });
  const encoded = previous.encode(profile, "", Date.now() + 60_000);
  if (!encoded.ok) throw new Error(encoded.reason);
  return encoded.stored as string;
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
      const t = profiles(new Map([[profile.id, profile]]));
      const valid = positionalValue(profile);
      expect(valid).toMatch(/^v\|\d+\|\|\[/);
      await redis.set(t.repo.keyOf(profile.id), valid);
      expect(await t.repo.get(profile.id)).toEqual(profile); // a hit: this runtime reads the previous one's form
      expect(t.loads()).toBe(0);
      const bad = corrupt(valid);
      expect(bad).not.toEqual(valid);
      await expectTamperedIsMiss(t, profile, bad);
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

/** A string field of the text, by its value: `<length>:<value>`. */
const field = (value: string): string => `${value.length}:${value}`;

describe("guarantee 6 (untrusted cache): the compact form", () => {
  // Every tampering leaves text that is not a compact Profile. (A length that is off by one can
  // instead shift what follows into another valid Profile: as with any form, a writer of our keys
  // can store any valid value; what is checked is that nothing invalid is ever served.)
  const cases: [string, (valid: string, profile: Profile) => string][] = [
    ["a string length past the end of the value", (v, p) => v.replace(field(p.bio), `99999:${p.bio}`)],
    ["a string length one too short", (v, p) => v.replace(field(p.status), `${p.status.length - 1}:${p.status}`)],
    ["the last field missing", (v) => v.replace(/\d+,$/, "")],
    ["text after the value", (v) => `${v}1,`],
    ["a number where a string is", (v, p) => v.replace(field(p.email), "5,")],
    ["a fractional datetime", (v) => v.replace(/(\d+),$/, "$1.5,")],
    ["a datetime past what a Date holds", (v) => v.replace(/\d+,$/, "8640000000000001,")],
    ["a datetime in hexadecimal", (v) => v.replace(/\d+,$/, "0x10,")],
    ["null at a field that is not nullable", (v, p) => v.replace(field(p.status), "n")],
    ["an enum value not declared", (v, p) => v.replace(field(p.status), field("deleted"))],
    ["a nested object without its brace", (v, p) => v.replace(`{${field(p.address.street)}`, field(p.address.street))],
    ["an array count larger than its items", (v) => v.replace(/3\*/, "4*")],
    ["an email that is not one", (v, p) => v.replace(field(p.email), field("not an email"))],
    ["a boolean that is neither", (v) => v.replace(/,([tf])3\*/, ",x3*")],
    ["an empty payload", (v) => v.replace(/~.*$/, "~")],
    ["a JSON __proto__ object after the mark", (v) => v.replace(/~.*$/, '~{"__proto__":{"polluted":true}}')],
  ];

  for (const [index, [label, corrupt]] of cases.entries()) {
    it(`${label} is a miss, is deleted, raises invalid-value`, async () => {
      const profile = makeProfile(10 + index);
      const t = profiles(new Map([[profile.id, profile]]));
      expect(await t.repo.get(profile.id)).toEqual(profile);
      const valid = (await redis.get(t.repo.keyOf(profile.id)))!;
      expect(valid).toMatch(/^v\|\d+\|\|~/); // written compact
      const bad = corrupt(valid, profile);
      expect(bad).not.toEqual(valid);
      await expectTamperedIsMiss(t, profile, bad);
    });
  }

  it("strings holding the form's own syntax, __proto__ or non-ASCII text read back exactly, as hits", async () => {
    const tricky: Profile = {
      ...makeProfile(2),
      name: "__proto__",
      bio: '12:n,t*{~ 3:abc 9999999999* "\\u0000" é ø 😀 \u0000',
      roles: ["", "n", "1,", "{"],
      address: { street: "5:x", city: "", postcode: "~", country: "🇬🇧" },
    };
    const { repo, events, loads } = profiles(new Map([[tricky.id, tricky]]));
    expect(await repo.get(tricky.id)).toEqual(tricky);
    expect((await redis.get(repo.keyOf(tricky.id)))!).toMatch(/^v\|\d+\|\|~/);
    expect(await repo.get(tricky.id)).toEqual(tricky);
    expect(loads()).toBe(1);
    expect(events.of("invalid-value")).toHaveLength(0);
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});
