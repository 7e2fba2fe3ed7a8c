// A new process's first calls, made while its client is still connecting (README's quick start):
// they wait for the connection, they do not skip Redis (issue 10).
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { OrderRepository } from "../../fixtures/valid/write-behind-msgpack/expected/order.js";
import { countingOrders, order, type StartupInput, type StartupReport } from "../children/startup-protocol.js";
import { connect, uniquePrefix } from "../../runtime/helpers.js";
import { Children, type Message } from "../../support/child-process.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const keyPrefix = uniquePrefix("startup");
const children = new Children<Message, StartupReport>("test/guarantees/children/startup-app.ts");
let redis: Redis;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await children.killAll();
  await deleteByPrefix(redis, keyPrefix);
  redis.disconnect();
});

/** A repository of the test's own, counting its loads. */
function orders(): { repository: OrderRepository; loads: () => number } {
  const source = countingOrders();
  return { repository: new OrderRepository({ redis, keyPrefix, source }), loads: () => source.loads };
}

describe("guarantee 3: a new process's first calls", () => {
  it("a process that constructs its client and at once issues 1000 gets of cached keys, 1000 write-behind saves and a getMany of 50 new keys: 0 loads for the cached keys, no error, the saves queued, the 50 cached", async ({
    annotate,
  }) => {
    const cachedIds = Array.from({ length: 1000 }, () => randomUUID());
    const savedIds = Array.from({ length: 1000 }, () => randomUUID());
    const uncachedIds = Array.from({ length: 50 }, () => randomUUID());
    const { repository } = orders();
    // Cached by a save (the value stays cached while its write is queued: no worker runs here).
    await Promise.all(cachedIds.map((id) => repository.save(order(id, 7))));

    const input: StartupInput = { redisUrl, keyPrefix, cachedIds, savedIds, uncachedIds };
    const report = await children.start(input).next("done", 60_000);
    await annotate(
      `loads ${report.loads}, errors ${report.errors.length}, redis errors ${report.redisErrors.length}: ${report.redisErrors.join("; ")}`,
    );
    expect(report.errors).toEqual([]);
    expect(report.redisErrors).toEqual([]);
    expect(report.wrongValues).toBe(0);
    expect(report.loads).toBe(uncachedIds.length); // the getMany's keys only

    const after = orders();
    const saved = await after.repository.getMany(savedIds);
    expect(saved.every((value) => value?.revision === 2)).toBe(true);
    await after.repository.getMany(uncachedIds);
    expect(after.loads()).toBe(0);
    expect(await after.repository.pending()).toBe(2000);
  }, 90_000);
});
