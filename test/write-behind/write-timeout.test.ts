import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheUnavailableError, CacheWriteUnknownError, deleteByPrefix } from "cachegen/runtime";
import { connect, encryptionKeys, makeUser, REDIS_PORT, uniquePrefix } from "../runtime/helpers.js";
import { resilientClient } from "../support/redis-server.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { until } from "../support/wait.js";
import { UserTable, WriteBehindUserRepository } from "./fixtures.js";
import { allEntries, streamKeysOf, totalLength } from "../support/key-layout.js";

// A write-behind save that rejects tells the caller its write will not happen: CacheUnavailableError
// means not queued. A save that was sent but whose reply did not come in time may be queued: that is a
// distinct error (CacheWriteUnknownError). Saves have a bound of their own (writeTimeoutMs, default
// 1 s), apart from the reads' timeoutMs.

const prefix = uniquePrefix("wb-wto");
let admin: Redis;
let proxy: TcpProxy;
const clients: Redis[] = [];

beforeAll(async () => {
  admin = await connect();
  proxy = await TcpProxy.start(REDIS_PORT);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await proxy.close();
  await deleteByPrefix(admin, prefix);
  await admin.quit();
});

/** Settles `count` concurrent saves; how each ended, and which keys the queue holds. */
async function burst(repo: WriteBehindUserRepository, keyPrefix: string, count: number) {
  const users = Array.from({ length: count }, () => makeUser());
  const outcomes = await Promise.allSettled(users.map((user) => repo.save(user)));
  const streamKeys = streamKeysOf(keyPrefix, "User");
  // Whatever was sent arrives (the proxy only delays): wait until the queue stops growing.
  let last = -1;
  await until(
    async () => {
      const now = await totalLength(admin, streamKeys);
      const settled = now === last;
      last = now;
      return settled;
    },
    10_000,
    500,
  );
  const queued = new Set((await allEntries(admin, streamKeys)).map(([, fields]) => fields[fields.indexOf("key") + 1]));
  const tally = { resolved: 0, unavailable: 0, unknown: 0, other: 0, unavailableButQueued: 0, resolvedNotQueued: 0 };
  outcomes.forEach((outcome, i) => {
    const isQueued = queued.has(users[i]!.id);
    if (outcome.status === "fulfilled") {
      tally.resolved += 1;
      if (!isQueued) tally.resolvedNotQueued += 1;
    } else if (outcome.reason instanceof CacheWriteUnknownError) tally.unknown += 1;
    else if (outcome.reason instanceof CacheUnavailableError) {
      tally.unavailable += 1;
      if (isQueued) tally.unavailableButQueued += 1;
    } else tally.other += 1;
  });
  return { tally, queued: queued.size };
}

function repository(options: { timeoutMs?: number; writeTimeoutMs?: number }) {
  const redis = resilientClient(proxy.port);
  clients.push(redis);
  const keyPrefix = `${prefix}${randomUUID()}:`;
  const repo = new WriteBehindUserRepository({
    redis,
    source: new UserTable(),
    keyPrefix,
    encryptionKeys,
    ...options,
    breaker: { failureThreshold: 1_000_000 },
  });
  return { repo, keyPrefix, redis };
}

describe("write-behind: a rejected save means not queued", () => {
  it("5000 concurrent saves over a path slower than the reads' timeoutMs: saves use writeTimeoutMs, none is rejected yet queued", async () => {
    proxy.setLatency(150);
    try {
      const { repo, keyPrefix, redis } = repository({ timeoutMs: 100 });
      await until(() => redis.status === "ready", 5_000);
      const { tally, queued } = await burst(repo, keyPrefix, 5_000);
      console.log(
        `[write-behind write timeout] 5000 saves, 150 ms each way: ${JSON.stringify(tally)}, queued ${queued}`,
      );
      expect(tally).toMatchObject({ unavailable: 0, unavailableButQueued: 0, resolvedNotQueued: 0, other: 0 });
      // A save past writeTimeoutMs (the client's own queue counts today) may be queued: said so, not "failed".
      expect(tally.resolved + tally.unknown).toBe(5_000);
    } finally {
      proxy.setLatency(0);
    }
  });

  it("a save sent but not answered within writeTimeoutMs rejects with CacheWriteUnknownError (it may be queued), never CacheUnavailableError", async () => {
    proxy.setLatency(150);
    try {
      const { repo, keyPrefix, redis } = repository({ writeTimeoutMs: 50 });
      await until(() => redis.status === "ready", 5_000);
      const { tally, queued } = await burst(repo, keyPrefix, 200);
      expect(tally).toMatchObject({ unknown: 200, unavailableButQueued: 0, unavailable: 0, other: 0 });
      expect(queued).toBe(200);
    } finally {
      proxy.setLatency(0);
    }
  });

  it("a save refused before it was sent (Redis down) rejects with CacheUnavailableError and is not queued", async () => {
    const { repo, keyPrefix, redis } = repository({});
    await until(() => redis.status === "ready", 5_000);
    await proxy.refuse();
    try {
      await until(() => redis.status !== "ready", 5_000);
      const { tally } = await burst(repo, keyPrefix, 50);
      expect(tally).toMatchObject({ unavailable: 50, unavailableButQueued: 0 });
    } finally {
      await proxy.accept();
    }
  });
});
