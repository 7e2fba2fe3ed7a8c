import { Redis } from "ioredis";
import { afterAll, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { TcpProxy } from "../support/tcp-proxy.js";
import { until } from "../support/wait.js";
import {
  connect,
  encryptionKeys,
  makeUser,
  REDIS_PORT,
  uniquePrefix,
  UserRepo,
  userVariant,
  UserStore,
} from "./helpers.js";

const prefix = uniquePrefix("l1-close");
const withL1 = userVariant({ l1: { ttlMs: 5_000, maxEntries: 100 } });

afterAll(async () => {
  const redis = await connect();
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

it("close() of a repository with an L1 tier resolves within timeoutMs while Redis hangs (its subscriber's QUIT is never answered)", async () => {
  const proxy = await TcpProxy.start(REDIS_PORT);
  const redis = new Redis({ host: "127.0.0.1", port: proxy.port, maxRetriesPerRequest: null });
  redis.on("error", () => undefined);
  const direct = await connect();
  try {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepo(withL1, { redis, source, keyPrefix: prefix, encryptionKeys, timeoutMs: 200 });
    await repo.get(user.id); // starts the L1 subscriber
    await until(async () => ((await direct.call("PUBSUB", "CHANNELS", `${prefix}*`)) as string[]).length > 0, 3_000);
    proxy.hang();
    const started = Date.now();
    await repo.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  } finally {
    redis.disconnect();
    await direct.quit();
    await proxy.close();
  }
});
