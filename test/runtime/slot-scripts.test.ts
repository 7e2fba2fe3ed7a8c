// SlotScripts (src/runtime/slot-scripts.ts): writes batched per tick are sent before any other
// script the same repository runs, so commands reach Redis in the order they were issued, only
// grouped (a put queued before an invalidation must not land after it).
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandClient } from "../../src/runtime/command-client.js";
import { RedisGuard } from "../../src/runtime/redis-guard.js";
import { defineScript } from "../../src/runtime/scripts/define-script.js";
import { SlotScripts } from "../../src/runtime/slot-scripts.js";
import { connect } from "./helpers.js";

/** Appends `item` to the list at `log` and answers the list's length. */
const APPEND = defineScript({
  name: "test-append",
  input: { log: "key", item: "text" },
  lua: "return redis.call('RPUSH', log, item)",
  reply: (raw) => (typeof raw === "number" ? raw : undefined),
});

let redis: Redis;

beforeAll(async () => {
  redis = await connect();
});

afterAll(() => redis?.disconnect());

function slotScripts(): SlotScripts {
  const guard = new RedisGuard(
    redis as unknown as CommandClient,
    2000,
    { failureThreshold: 1000, cooldownMs: 1000 },
    {
      onError: () => undefined,
      onTransition: () => undefined,
    },
  );
  return new SlotScripts(guard);
}

describe("SlotScripts", () => {
  it("sends the writes batched in this tick before a script issued after them in the same tick", async () => {
    const scripts = slotScripts();
    const puts = scripts.batched(APPEND);
    const log = `cgtest:slot-scripts:${randomUUID()}`;
    try {
      const queued = [puts.run({ log, item: "put 1" }), puts.run({ log, item: "put 2" })];
      const other = scripts.run("append", APPEND, { log, item: "invalidate" });
      await Promise.all([...queued, other]);
      expect(await redis.lrange(log, 0, -1)).toEqual(["put 1", "put 2", "invalidate"]);
    } finally {
      await redis.del(log);
    }
  });

  it("a batch issued after the other script in the tick goes after it", async () => {
    const scripts = slotScripts();
    const puts = scripts.batched(APPEND);
    const log = `cgtest:slot-scripts:${randomUUID()}`;
    try {
      const other = scripts.run("append", APPEND, { log, item: "invalidate" });
      const queued = puts.run({ log, item: "put" });
      await Promise.all([other, queued]);
      expect(await redis.lrange(log, 0, -1)).toEqual(["invalidate", "put"]);
    } finally {
      await redis.del(log);
    }
  });
});
