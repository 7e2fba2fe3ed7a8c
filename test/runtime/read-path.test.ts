import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { metricEntity, MetricRepository, type Metric } from "./fixtures/metric.js";
import { OrderLineRepository, type OrderLine } from "./fixtures/order-line.js";
import { UserRepository } from "./fixtures/user.js";
import {
  collectEvents,
  connect,
  encryptionKeys,
  makeUser,
  recordCommands,
  uniquePrefix,
  UserRepo,
  userVariant,
  UserStore,
  UserStoreWithMany,
} from "./helpers.js";
import { sleep, until } from "../support/wait.js";

let redis: Redis;
const prefix = uniquePrefix("read");

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

function users(
  source: UserStore,
  extra: Partial<ConstructorParameters<typeof UserRepository>[0]> = {},
): UserRepository {
  return new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys, ...extra });
}

describe("read path", () => {
  it("misses, loads once, then hits with exactly one GET and no other command", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = users(source);
    const commands = recordCommands(redis);

    expect(await repo.get(user.id)).toEqual(user);
    expect(source.loads).toBe(1);
    commands.reset();
    const again = await repo.get({ id: user.id });
    expect(commands.names).toEqual(["get"]);
    expect(again).toEqual(user);
    expect(source.loads).toBe(1);
    expect(repo.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1 });
  });

  it("round-trips Date, date, bigint, optional, nullable and json through JSON, with the encrypted field stored as ciphertext", async () => {
    const source = new UserStore();
    const user = source.put(makeUser({ age: 41, nickname: "ada", settings: { theme: "light" } }));
    const repo = users(source);
    await repo.get(user.id);
    const stored = (await redis.get(repo.keyOf(user.id)))!;
    expect(stored).toMatch(/^v\|\d+\|1714979289000\|/);
    const payload = JSON.parse(stored.slice(stored.indexOf("|", stored.indexOf("|", 2) + 1) + 1)) as Record<
      string,
      unknown
    >;
    expect(payload.createdAt).toBe("2024-01-02T03:04:05.678Z");
    expect(payload.birthday).toBe("1990-12-31");
    expect(payload.balance).toBe("123456789012345678901234567890");
    expect(String(payload.ssn)).toMatch(/^enc:v1:k2:/);
    expect(stored).not.toContain("123-45-6789");
    const hit = await repo.get(user.id);
    expect(hit).toEqual(user);
    expect(hit!.createdAt).toBeInstanceOf(Date);
    expect(typeof hit!.balance).toBe("bigint");
  });

  it("round-trips Date, date-only and bigint (nested in arrays) through msgpack", async () => {
    const metric: Metric = {
      name: "cpu:{x}*",
      total: -9007199254740993n,
      at: new Date("2024-03-04T05:06:07.089Z"),
      samples: [{ at: new Date(0), value: 1.5, big: 2n ** 70n }],
      day: new Date("2024-03-04T00:00:00.000Z"),
    };
    let loads = 0;
    const repo = new MetricRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async () => (loads++, structuredClone(metric)) },
    });
    expect(await repo.get("cpu:{x}*")).toEqual(metric);
    const raw = (await redis.getBuffer(repo.keyOf(metric.name)))!;
    expect(raw.subarray(0, 2).toString()).toBe("v|");
    const hit = await repo.get({ name: "cpu:{x}*" });
    expect(hit).toEqual(metric);
    expect(hit!.samples[0]!.big).toBe(2n ** 70n);
    expect(loads).toBe(1);
    expect(repo.stats().hits).toBe(1);
  });

  it("remembers not-found for negativeTtl, and save clears it", async () => {
    const source = new UserStore();
    const repo = users(source);
    const id = randomUUID();
    expect(await repo.get(id)).toBeNull();
    expect(await repo.get(id)).toBeNull();
    expect(source.loads).toBe(1);
    expect(repo.stats()).toMatchObject({ negativeHits: 1 });
    const pttl = await redis.pttl(repo.keyOf(id));
    expect(pttl).toBeGreaterThan(30_000 * 0.9 - 1000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    await repo.save(makeUser({ id }));
    expect((await repo.get(id))?.id).toBe(id);
    expect(source.loads).toBe(2);
  });

  it("TTLs are ttl minus up to jitter (ttl is an upper bound)", async () => {
    const source = new UserStore();
    const repo = users(source);
    const ttls: number[] = [];
    for (let i = 0; i < 20; i++) {
      const user = source.put(makeUser());
      await repo.get(user.id);
      ttls.push(await redis.pttl(repo.keyOf(user.id)));
    }
    for (const ttl of ttls) {
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(ttl).toBeGreaterThan(60_000 * 0.9 - 1000);
    }
    expect(new Set(ttls).size).toBeGreaterThan(1);
  });

  it("getMany keeps order, uses one MGET and loadMany for the misses", async () => {
    const source = new UserStoreWithMany();
    const a = source.put(makeUser());
    const b = source.put(makeUser());
    const c = source.put(makeUser());
    const missing = randomUUID();
    const repo = users(source);
    await repo.get(b.id);
    const commands = recordCommands(redis);
    const result = await repo.getMany([c.id, missing, a.id, b.id, c.id]);
    expect(result).toEqual([c, null, a, b, c]);
    expect(commands.names.filter((n) => n === "mget")).toHaveLength(1);
    expect(commands.names.filter((n) => n === "get")).toHaveLength(0);
    expect(source.loadManyCalls).toBe(1);
    commands.reset();
    expect(await repo.getMany([a.id, missing, c.id, b.id])).toEqual([a, null, c, b]);
    expect(commands.names).toEqual(["mget"]);
    expect(await repo.getMany([])).toEqual([]);
  });

  it("getMany answers every position when keys repeat, join a read in flight, or are read in its own batch; a get joins that batch", async () => {
    const source = new UserStoreWithMany();
    const [a, b, c, d] = [
      source.put(makeUser()),
      source.put(makeUser()),
      source.put(makeUser()),
      source.put(makeUser()),
    ];
    const repo = users(source);
    await repo.getMany([a.id, b.id, c.id, d.id]);
    const commands = recordCommands(redis);
    const inFlight = repo.get(c.id); // read in flight: the getMany joins it
    const many = repo.getMany([a.id, b.id, a.id, c.id, b.id, d.id, c.id]);
    const joining = repo.get(d.id); // joins the getMany's batch
    expect(await many).toEqual([a, b, a, c, b, d, c]);
    expect(await inFlight).toEqual(c);
    expect(await joining).toEqual(d);
    expect(commands.names).toEqual(["mget", "get"]);
    expect(commands.args[0]).toEqual([a.id, b.id, d.id].map((id) => repo.keyOf(id)));
    expect(repo.stats()).toMatchObject({ coalesced: 2, loads: 4 });
  });

  it("a getMany refused for an invalid key leaves no read of its other keys behind", async () => {
    const source = new UserStore();
    const a = source.put(makeUser());
    const repo = users(source);
    await repo.get(a.id);
    await expect(repo.getMany([a.id, "not a uuid"])).rejects.toThrow(/key/);
    expect(await repo.get(a.id)).toEqual(a);
    expect(repo.stats()).toMatchObject({ coalesced: 0, hits: 1 });
  });

  it("getMany falls back to per-key load without loadMany", async () => {
    const source = new UserStore();
    const a = source.put(makeUser());
    const b = source.put(makeUser());
    const repo = users(source);
    expect(await repo.getMany([a.id, b.id])).toEqual([a, b]);
    expect(source.loads).toBe(2);
    expect(await repo.getMany([b.id, a.id])).toEqual([b, a]);
    expect(source.loads).toBe(2);
  });

  it("100 concurrent gets of one missing key cost one load (in-process coalescing)", async () => {
    const source = new UserStore();
    source.delayMs = 30;
    const user = source.put(makeUser());
    const repo = users(source);
    const results = await Promise.all(Array.from({ length: 100 }, () => repo.get(user.id)));
    expect(results.every((r) => r?.id === user.id)).toBe(true);
    expect(source.loads).toBe(1);
    expect(repo.stats()).toMatchObject({ loads: 1, coalesced: 99 });
  });

  it("stale-while-revalidate serves the stale value at once and refreshes once, across processes too", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const events = collectEvents();
    const def = userVariant({ ttlMs: 1_000, jitter: 0, staleWhileRevalidateMs: 10_000 });
    const other = await connect();
    try {
      const repo = new UserRepo(def, { redis, source, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent });
      const repo2 = new UserRepo(def, { redis: other, source, keyPrefix: prefix, encryptionKeys });
      await repo.get(user.id);
      expect(source.loads).toBe(1);
      await sleep(1_050);
      source.put({ ...user, name: "Grace" });
      // The refresh's load is held until all ten gets have answered: each is served the stale value at once.
      const refresh = source.holdNextLoad();
      for (let i = 0; i < 5; i++) {
        expect((await repo.get(user.id))?.name).toBe("Ada");
        expect((await repo2.get(user.id))?.name).toBe("Ada");
      }
      await refresh.loaded;
      // Counted while the refresh is held: ten stale answers started one refresh. (After it, the
      // refreshed value is stale again 1 s later, and a poll that slow on a loaded machine
      // rightly starts another.)
      expect(source.loads).toBe(2);
      refresh.release();
      expect(repo.stats().staleHits + repo2.stats().staleHits).toBe(10);
      expect(events.of("stale-hit")).toHaveLength(5);
      await until(async () => (await repo2.get(user.id))?.name === "Grace", 5_000);
    } finally {
      await other.quit();
    }
  });

  it("an onEvent listener that throws (or rejects) never breaks a call", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = users(source, {
      onEvent: (e) => {
        if (e.type === "miss") throw new Error("listener bug");
        if (e.type === "hit") return Promise.reject(new Error("async listener bug")) as never;
      },
    });
    expect(await repo.get(user.id)).toEqual(user);
    expect(await repo.get(user.id)).toEqual(user);
  });

  it("refresh reloads and overwrites", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = users(source);
    await repo.get(user.id);
    source.put({ ...user, name: "Changed" });
    expect((await repo.get(user.id))?.name).toBe("Ada");
    expect((await repo.refresh(user.id))?.name).toBe("Changed");
    expect((await repo.get(user.id))?.name).toBe("Changed");
    expect(source.loads).toBe(2);

    // Gone from the source: without negative caching, refresh drops the cached value.
    const plain = new UserRepo(userVariant({ negativeTtlMs: undefined } as never), {
      redis,
      source,
      keyPrefix: prefix,
      encryptionKeys,
    });
    source.rows.delete(user.id);
    expect(await plain.refresh(user.id)).toBeNull();
    expect(await redis.exists(plain.keyOf(user.id))).toBe(0);
  });

  it("getByIndex: two GETs on a hit (pointer, then value: other slots); a stale pointer (indexed field changed) is a miss", async () => {
    const source = new UserStore();
    const user = source.put(makeUser({ email: "old@example.com" }));
    const repo = users(source);
    expect((await repo.getByEmail("old@example.com"))?.id).toBe(user.id);
    expect(source.indexLoads).toBe(1);
    // The pointer is written, the value is not (it was not loaded under a lease): fill it via get.
    await repo.get(user.id);
    const commands = recordCommands(redis);
    expect((await repo.getByEmail("old@example.com"))?.id).toBe(user.id);
    expect(commands.names).toEqual(["get", "get"]); // the pointer, then the value (other slots)
    expect(source.indexLoads).toBe(1);

    // The email changes in the database behind the cache; the cached value is refreshed.
    source.put({ ...user, email: "new@example.com" });
    await repo.refresh(user.id);
    expect(await repo.getByEmail("old@example.com")).toBeNull();
    expect(source.indexLoads).toBe(2);
    expect((await repo.getByEmail("new@example.com"))?.email).toBe("new@example.com");
  });

  it("composite keys with a cache-aside loader", async () => {
    const repo = new OrderLineRepository({ redis, keyPrefix: prefix });
    let loads = 0;
    const load = async (key: { orderId: string; lineNo: number }): Promise<OrderLine> => {
      loads++;
      return { ...key, sku: `sku-${key.lineNo}`, quantity: 2 };
    };
    const line = await repo.get({ orderId: "o:1*", lineNo: 3 }, load);
    expect(line).toEqual({ orderId: "o:1*", lineNo: 3, sku: "sku-3", quantity: 2 });
    expect(await repo.get({ orderId: "o:1*", lineNo: 3 }, load)).toEqual(line);
    expect(await repo.get({ orderId: "o", lineNo: 3 }, load)).not.toEqual(line);
    expect(loads).toBe(2);
    expect(repo.keyOf({ orderId: "o:1*", lineNo: 3 })).toMatch(
      new RegExp(`^${prefix}OrderLine:1\\.0a1b2c3d:\\{[0-9a-z]+\\}:v:o%3A1%2A:3$`),
    );
    await expect(repo.get({ orderId: "x", lineNo: 1 })).rejects.toThrow(/pass a load function to get\(key, load\)/);
  });

  it("metric entity definition-level checks", () => {
    expect(metricEntity.serializer).toBe("msgpack");
  });
});
