import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheUnavailableError, type WriteBehindWorker } from "cachegen/runtime";
import type { User } from "../runtime/fixtures/user.js";
import { encryptionKeys, makeUser, ready, uniquePrefix } from "../runtime/helpers.js";
import { resilientClient, SpawnedRedis } from "../support/redis-server.js";
import { UserTable, WriteBehindUserRepository } from "./fixtures.js";

// Saves queue up while no worker runs until Redis reaches maxmemory (queued values have no expiry,
// so volatile-lru cannot evict them; saves then reject with CacheUnavailableError). A worker started
// in exactly that state must join, read and drain the queue: acknowledged saves reach the source.

let server: SpawnedRedis;
let redis: Redis;

beforeAll(async () => {
  server = await SpawnedRedis.start(["--maxmemory", "3mb", "--maxmemory-policy", "volatile-lru"]);
  redis = resilientClient(server.port);
  await ready(redis);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe("write-behind: a worker started while Redis is full", () => {
  it("joins, reads and drains the queue that filled Redis", async () => {
    const table = new UserTable();
    const repo = new WriteBehindUserRepository({
      redis,
      source: table,
      keyPrefix: uniquePrefix("wb-full"),
      encryptionKeys,
      breaker: { failureThreshold: 1_000_000 },
    });
    const acknowledged: User[] = [];
    let refused = 0;
    while (refused === 0 && acknowledged.length < 50_000) {
      const users = Array.from({ length: 50 }, () => makeUser({ name: "x".repeat(200) }));
      const outcomes = await Promise.allSettled(users.map((user) => repo.save(user)));
      outcomes.forEach((outcome, i) => {
        if (outcome.status === "fulfilled") acknowledged.push(users[i]!);
        else if (outcome.reason instanceof CacheUnavailableError && /OOM/.test(outcome.reason.message)) refused += 1;
        else throw outcome.reason;
      });
    }
    expect(refused).toBeGreaterThan(0);
    let worker: WriteBehindWorker | undefined;
    try {
      worker = repo.startWorker({ pollMs: 50 });
      await repo.flush(15_000);
      const missing = acknowledged.filter((user) => !table.rows.has(user.id)).length;
      console.log(
        `[write-behind full Redis] ${acknowledged.length} saves acknowledged until OOM (${refused} refused); worker started at maxmemory drained them: ${missing} missing from the source`,
      );
      expect(missing).toBe(0);
    } finally {
      await worker?.stop();
    }
  }, 60_000);
});
