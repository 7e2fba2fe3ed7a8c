// The typed script layer (src/runtime/scripts/define-script.ts): the Lua that binds a script's input
// names to KEYS and ARGV, and the TypeScript that fills them, are generated from one declaration.
// Here a probe script echoes what its bindings read, for random inputs of every field kind.
import fc from "fast-check";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineScript, runTypedScript } from "../../src/runtime/scripts/define-script.js";
import type { CommandClient } from "../../src/runtime/command-client.js";
import { connect } from "./helpers.js";

let redis: Redis;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await redis.quit();
});

/** Echoes every binding back as JSON (flags as booleans, numbers as numbers). */
const ECHO = defineScript({
  name: "test-echo",
  input: {
    first: "key",
    count: "number",
    label: "text",
    keyList: "keys",
    entries: { each: { value: "key", token: "text", ttl: "number", fresh: "flag", indexes: "keys", ids: "texts" } },
    last: "key",
    payload: "stored",
    done: "flag",
  },
  lua: `
local es = {}
for i, e in ipairs(entries) do
  es[i] = { value = e.value, token = e.token, ttl = e.ttl, fresh = e.fresh, indexes = e.indexes, ids = e.ids }
end
return cjson.encode({ first = first, count = count, label = label, keyList = keyList, entries = es, last = last, payload = payload, done = done })`,
  reply: (raw): unknown =>
    Buffer.isBuffer(raw)
      ? JSON.parse(raw.toString(), (_, value: unknown) => (isEmptyObject(value) ? [] : value))
      : undefined,
});

/** Lua's cjson encodes an empty table as `{}`: in this echo, every empty object is an empty list. */
function isEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

const text = fc.string({ maxLength: 12 });
const texts = fc.array(text, { maxLength: 4 });

describe("defineScript", () => {
  it("the Lua reads each field exactly as the TypeScript sent it, lists and entries included", async () => {
    const input = fc.record({
      first: text,
      count: fc.integer({ min: -1e9, max: 1e9 }),
      label: text,
      keyList: texts,
      entries: fc.array(
        fc.record({
          value: text,
          token: text,
          ttl: fc.integer({ min: 0, max: 1e9 }),
          fresh: fc.boolean(),
          indexes: texts,
          ids: texts,
        }),
        { maxLength: 4 },
      ),
      last: text,
      payload: text,
      done: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(input, async (sent) => {
        expect(await runTypedScript(redis as unknown as CommandClient, ECHO, sent)).toEqual(sent);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses input names Lua cannot bind (not camelCase, or a keyword)", () => {
    const define = (name: string) => () =>
      defineScript({ name: "test-bad", input: { [name]: "key" }, lua: "return 1", reply: () => 1 });
    for (const bad of ["end", "local", "_k", "Value", "with-dash"])
      expect(define(bad), bad).toThrow(/camelCase Lua name/);
    expect(define("value")).not.toThrow();
  });
});
