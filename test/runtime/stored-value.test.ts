// The stored-value header (src/runtime/stored-value.ts): the byte-level reader against the reference
// parser, and the Lua functions the scripts share against the TypeScript that builds and reads it.
import fc from "fast-check";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { luaPrelude } from "../../src/runtime/scripts/lua-function.js";
import {
  LUA_STORED_KIND,
  LUA_STORED_VERSION,
  LUA_WITH_FRESH_UNTIL,
  readHeader,
  readHeaderReference,
  storedBytes,
  storedNotFound,
  storedText,
} from "../../src/runtime/stored-value.js";
import { connect } from "./helpers.js";

let redis: Redis;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await redis.quit();
});

describe("stored value header", () => {
  it("parses <kind>|<freshUntil>|<version>|<payload> and rejects anything else", () => {
    expect(readHeader(storedBytes(123, "456", Buffer.from("{}")))).toEqual({
      kind: "v",
      freshUntil: 123,
      version: "456",
      offset: 10,
    });
    expect(readHeader(Buffer.from(storedNotFound(5)))).toEqual({ kind: "n", freshUntil: 5, version: "", offset: 5 });
    for (const bad of [
      "",
      "v",
      "v|",
      "v|1|",
      "x|1||{}",
      "v|a||{}",
      "v|1|x|{}",
      "vv|1||{}",
      `v|${"1".repeat(100)}||{}`,
    ]) {
      expect(readHeader(Buffer.from(bad)), bad).toBeUndefined();
    }
  });

  it("readHeader accepts exactly what the original parser accepts, with the same fields", () => {
    const head = fc.constantFrom(
      "v|",
      "n|",
      "x|",
      "v",
      "|",
      "v||",
      "n|1|",
      "v|12|",
      "v|1|-3.5|",
      "v|99999999999999999|",
      "v|9007199254740993|",
      "v|0000000000000001|7|",
    );
    const tail = fc.uint8Array({ maxLength: 90 }).map((a) => Buffer.from(a));
    const text = fc.stringMatching(/^[vn]\|\d{0,18}\|[-\d.]{0,6}\|?.{0,5}$/).map((s) => Buffer.from(s, "latin1"));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(head, tail).map(([h, t]) => Buffer.concat([Buffer.from(h, "latin1"), t])),
          text,
        ),
        (raw) => {
          expect(readHeader(raw)).toEqual(readHeaderReference(raw));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("the Lua functions read what TypeScript builds: kind, version, and a restamped freshUntil that readHeader reads back", async () => {
    const probe = `${luaPrelude([LUA_STORED_VERSION, LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL])}
local v = ARGV[1]
local kind = stored_kind(v)
return {kind or false, stored_version(v) or false, kind and with_fresh_until(v, tonumber(ARGV[2])) or false}`;
    const version = fc.oneof(
      fc.constant(""),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((n) => n.toFixed(3)),
    );
    const value = fc.oneof(
      fc
        .record({ fresh: fc.integer({ min: 0, max: 2 ** 52 }), version, json: fc.json() })
        .map(({ fresh, version, json }) => Buffer.from(storedText(fresh, version, json))),
      fc
        .record({ fresh: fc.integer({ min: 0, max: 2 ** 52 }), version, bytes: fc.uint8Array({ maxLength: 40 }) })
        .map(({ fresh, version, bytes }) => storedBytes(fresh, version, Buffer.from(bytes))),
      fc.integer({ min: 0, max: 2 ** 52 }).map((fresh) => Buffer.from(storedNotFound(fresh))),
    );
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 1, max: 2 ** 40 }), async (stored, restampAt) => {
        const header = readHeader(stored)!;
        const [kind, luaVersion, restamped] = (await redis.callBuffer("EVAL", probe, 0, stored, restampAt)) as [
          Buffer,
          Buffer | null,
          Buffer,
        ];
        expect(kind.toString()).toBe(header.kind);
        expect(luaVersion?.toString() ?? null).toBe(header.kind === "v" ? header.version : null);
        const after = readHeader(restamped)!;
        expect(after).toMatchObject({ kind: header.kind, freshUntil: restampAt, version: header.version });
        expect(restamped.subarray(after.offset)).toEqual(stored.subarray(header.offset));
      }),
      { numRuns: 300 },
    );
  });
});
