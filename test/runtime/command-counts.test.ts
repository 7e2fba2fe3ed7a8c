import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { commandStats, diffStats, resilientClient, SpawnedRedis } from "../support/redis-server.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserRepository } from "./fixtures/user.js";
import { encryptionKeys, makeUser, UserStore } from "./helpers.js";
import { until } from "../support/wait.js";

let server: SpawnedRedis;
let admin: Redis;
const prefix = "cgtest:failopen:";

function client(options: Record<string, unknown> = {}): Redis {
  return resilientClient(server.port, options);
}

async function ready(redis: Redis): Promise<void> {
  await until(() => redis.status === "ready", 5000);
}

beforeAll(async () => {
  server = await SpawnedRedis.start();
  admin = client();
  await ready(admin);
});

afterAll(async () => {
  admin.disconnect();
  await server.stop();
});

describe("exact command counts (INFO commandstats on a server of our own)", () => {
  it("a hit sends exactly one GET, and nothing else", async () => {
    const redis = client();
    await ready(redis);
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await repo.get(user.id); // miss + fill
    const before = await commandStats(admin);
    await repo.get(user.id);
    expect(diffStats(before, await commandStats(admin))).toEqual({ get: 1 });
    redis.disconnect();
  });

  it("an invalid key sends zero commands", async () => {
    const redis = client();
    await ready(redis);
    const repo = new UserRepository({ redis, source: new UserStore(), keyPrefix: prefix, encryptionKeys });
    const before = await commandStats(admin);
    await expect(repo.get("not-a-uuid")).rejects.toThrow(/User key field "id"/);
    await expect(repo.get("")).rejects.toThrow();
    await expect(repo.getMany([randomUUID(), "\uDC00"])).rejects.toThrow();
    expect(diffStats(before, await commandStats(admin))).toEqual({});
    redis.disconnect();
  });
});