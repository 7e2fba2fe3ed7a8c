// Issue 11 item 6: with versionField, a write the fenced source refused (an older revision) is
// never cached, even when the newer value has left the cache (invalidated, expired, evicted)
// before the older write's put arrives. A source may answer the row it kept; the put caches that.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, Repository, type EntitySource, type RedisClient } from "cachegen/runtime";
import { stockLevelEntity, type StockLevel, type StockLevelKey } from "../../generated/stock-level.js";
import { connect, uniquePrefix } from "../runtime/helpers.js";
import { MemoryStock, stock, stockKey } from "./memory-stock.js";

const prefix = uniquePrefix("wt-refused");
let redis: Redis;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

type StockRepository = Repository<StockLevel, StockLevelKey, EntitySource<StockLevel, StockLevelKey>>;

const repository = (store: MemoryStock): StockRepository =>
  new Repository(stockLevelEntity, { redis: redis as RedisClient, source: store.source, keyPrefix: prefix });

const leaveCache: Record<string, (repo: StockRepository, key: StockLevelKey) => Promise<unknown>> = {
  invalidated: (repo, key) => repo.invalidate(key),
  expired: (repo, key) => redis.pexpire(repo.keyOf(key), 1).then(() => new Promise((r) => setTimeout(r, 5))),
  evicted: (repo, key) => redis.del(repo.keyOf(key)),
};

describe("write-through with versionField: what the fenced source refused is never cached", () => {
  it.each(Object.keys(leaveCache))(
    "revision 2 saved, then %s; the older revision 1 saved after: the cache never holds revision 1 (source answers nothing)",
    async (how) => {
      const store = new MemoryStock({ fenced: true, returnKept: false });
      const repo = repository(store);
      const key = stockKey();
      await repo.save(stock(key, 2));
      expect(await repo.get(key)).toMatchObject({ revision: 2 }); // cached
      expect(await redis.exists(repo.keyOf(key))).toBe(1);
      await leaveCache[how]!(repo, key);
      await repo.save(stock(key, 1));

      expect(store.rows.get(`${key.warehouseId}/${key.sku}`)?.revision).toBe(2);
      expect(await repo.get(key)).toMatchObject({ revision: 2 });
    },
  );

  it.each(Object.keys(leaveCache))(
    "revision 2 saved, then %s; revision 1 saved after, the source answers the row it kept: the cache holds revision 2",
    async (how) => {
      const store = new MemoryStock({ fenced: true, returnKept: true });
      const repo = repository(store);
      const key = stockKey();
      await repo.save(stock(key, 2));
      expect(await redis.exists(repo.keyOf(key))).toBe(1);
      await leaveCache[how]!(repo, key);
      await repo.save(stock(key, 1));

      const cached = await redis.get(repo.keyOf(key));
      expect(cached).toMatch(/^v\|\d+\|2\|/); // the header's version is the revision
      expect(await repo.get(key)).toMatchObject({ revision: 2 });
    },
  );

  it("a newer save of a cached revision is cached at once (the put can prove it is the newest)", async () => {
    const store = new MemoryStock({ fenced: true, returnKept: false });
    const repo = repository(store);
    const key = stockKey();
    store.rows.set(`${key.warehouseId}/${key.sku}`, stock(key, 1));
    expect(await repo.get(key)).toMatchObject({ revision: 1 });
    await repo.save(stock(key, 2));
    expect(await redis.get(repo.keyOf(key))).toMatch(/^v\|\d+\|2\|/);
  });
});
