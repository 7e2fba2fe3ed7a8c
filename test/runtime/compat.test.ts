import { randomUUID } from "node:crypto";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, type RedisClient } from "cachegen/runtime";
import { MetricRepository, type Metric } from "./fixtures/metric.js";
import { UserRepository } from "./fixtures/user.js";
import { encryptionKeys, makeUser, REDIS_PORT, uniquePrefix, UserStore, UserStoreWithMany } from "./helpers.js";

let redis: RedisClient;
const prefix = uniquePrefix("io5");

beforeAll(async () => {
  const client = new Redis6({ host: "127.0.0.1", port: REDIS_PORT, lazyConnect: true });
  await client.connect();
  redis = client as unknown as RedisClient;
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await (redis as unknown as Redis6).quit();
});

describe("ioredis 6 compatibility", () => {
  it("miss, fill, hit, getMany, index, save/invalidate, tags and msgpack work on an ioredis 6 client", async () => {
    const source = new UserStoreWithMany();
    const user = source.put(makeUser());
    const other = source.put(makeUser());
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    expect(await repo.get(user.id)).toEqual(user);
    expect(await repo.get(user.id)).toEqual(user);
    expect(repo.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1 });
    expect(await repo.getMany([other.id, randomUUID(), user.id])).toEqual([other, null, user]);
    expect((await repo.getByEmail(user.email))?.id).toBe(user.id);
    await repo.save({ ...user, name: "changed" });
    expect((await repo.get(user.id))?.name).toBe("changed");
    await repo.invalidateTeam(user.teamId);
    await repo.invalidate(other.id);
    expect(await repo.refresh(other.id)).toEqual(other);

    const metric: Metric = {
      name: "m",
      total: 5n,
      at: new Date(1),
      samples: [{ at: new Date(2), value: 3, big: 4n }],
      day: new Date(0),
    };
    const metrics = new MetricRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async () => structuredClone(metric) },
    });
    expect(await metrics.get("m")).toEqual(metric);
    expect(await metrics.get("m")).toEqual(metric);
    expect(metrics.stats().hits).toBe(1);
  });

  it("guarantee 1 (no stale set) holds on ioredis 6 too", async () => {
    const source = new UserStore();
    const user = source.put(makeUser({ name: "v1" }));
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    const hold = source.holdNextLoad();
    const read = repo.get(user.id);
    await hold.loaded;
    await repo.save({ ...user, name: "v2" });
    hold.release();
    await read;
    expect((await repo.get(user.id))?.name).toBe("v2");
  });
});
