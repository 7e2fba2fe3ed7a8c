import { type Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CacheUnavailableError, CacheWriteUnknownError } from "cachegen/runtime";
import { encryptionKeys, makeUser, uniquePrefix } from "../../runtime/helpers.js";
import { resilientClient, SpawnedRedis } from "../../support/redis-server.js";
import { TcpProxy } from "../../support/tcp-proxy.js";
import { until } from "../../support/wait.js";
import { UserTable, WriteBehindUserRepository } from "../../write-behind/fixtures.js";
import { streamKeysOf, totalLength } from "../../support/key-layout.js";

let server: SpawnedRedis;
let admin: Redis;
const opened: Redis[] = [];

function client(port = server.port): Redis {
  const redis = resilientClient(port);
  opened.push(redis);
  return redis;
}

async function repository(redis: Redis, timeoutMs = 500) {
  await until(() => redis.status === "ready", 5_000);
  const table = new UserTable();
  const keyPrefix = uniquePrefix("wb-fail");
  const repo = new WriteBehindUserRepository({
    redis,
    source: table,
    keyPrefix,
    encryptionKeys,
    timeoutMs,
    writeTimeoutMs: timeoutMs,
    breaker: { failureThreshold: 1_000 },
  });
  return { table, repo, streamKeys: streamKeysOf(keyPrefix, "User") };
}

beforeAll(async () => {
  server = await SpawnedRedis.start();
  admin = client();
});

afterEach(async () => {
  await admin.config("SET", "maxmemory", "0");
});

afterAll(async () => {
  for (const redis of opened) redis.disconnect();
  await server.stop();
});

describe("guarantee 4: a save that cannot be made durable is never acknowledged", () => {
  it("with Redis down, save and delete reject with CacheUnavailableError (nothing was written)", async () => {
    const redis = client();
    const { repo } = await repository(redis);
    const user = makeUser();
    await server.kill();
    // A save sent while the client still took the connection for alive has an unknown outcome (CacheWriteUnknownError).
    await until(() => redis.status !== "ready", 5_000);
    await expect(repo.save(user)).rejects.toThrow(CacheUnavailableError);
    await expect(repo.save(user)).rejects.toThrow(/User: save of .* not (queued|acknowledged)/);
    await expect(repo.delete(user.id)).rejects.toThrow(CacheUnavailableError);
    await server.startProcess();
    await until(() => admin.status === "ready", 5_000);
  });

  it("with Redis answering OOM, save rejects with CacheUnavailableError naming the cause", async () => {
    const { repo } = await repository(client());
    await admin.config("SET", "maxmemory", "1");
    await expect(repo.save(makeUser())).rejects.toThrow(CacheUnavailableError);
    await expect(repo.save(makeUser())).rejects.toThrow(/not queued: Redis refused it \(OOM/);
    await admin.config("SET", "maxmemory", "0");
    expect(await repo.pending()).toBe(0);
  });

  it("a save that times out rejects with CacheWriteUnknownError (not CacheUnavailableError), and may still be queued (at-least-once)", async () => {
    const proxy = await TcpProxy.start(server.port);
    try {
      const { repo, streamKeys } = await repository(client(proxy.port), 100);
      proxy.hang();
      const saved = repo.save(makeUser());
      await expect(saved).rejects.toThrow(CacheWriteUnknownError);
      await expect(saved).rejects.toThrow(
        /not acknowledged: .*timed out after 100 ms\. It was sent and may be queued; retrying is safe/,
      );
      proxy.resume();
      await until(async () => (await totalLength(admin, streamKeys)) === 1, 5_000);
    } finally {
      await proxy.close();
    }
  });

  it("a worker outlives a Redis restart (the group is created again) and drains what is saved afterwards", async () => {
    const { table, repo } = await repository(client());
    const worker = repo.startWorker({ pollMs: 50 });
    try {
      await repo.save(makeUser());
      await repo.flush(5_000);
      await server.restart(); // no persistence: stream and group are gone
      const user = makeUser();
      await until(
        async () => {
          try {
            await repo.save(user);
            return true;
          } catch {
            return false; // the client is still reconnecting
          }
        },
        5_000,
        50,
      );
      await repo.flush(10_000);
      expect(table.rows.get(user.id)).toEqual(user);
    } finally {
      await worker.stop();
    }
  });
});
