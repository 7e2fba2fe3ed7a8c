import type { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defineEntity,
  deleteByPrefix,
  Repository,
  type EntityDefinition,
  type RedisClient,
  type RepositoryOptions,
} from "cachegen/runtime";
import { createShopDatabase, sqlDate, type ShopDatabase } from "../../examples/shop/database.js";
import { createShopSources } from "../../examples/shop/sources.js";
import {
  stockLevelEntity,
  type StockLevel,
  type StockLevelKey,
  type StockLevelSource,
} from "../../generated/stock-level.js";
import { connect, uniquePrefix } from "../runtime/helpers.js";
import { sleep } from "../support/wait.js";

const prefix = uniquePrefix("write-through");
let db: ShopDatabase;
let redis: Redis;

beforeAll(async () => {
  db = await createShopDatabase();
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  await db.drop();
});

const keys: StockLevelKey[] = Array.from({ length: 20 }, (_, i) => ({ warehouseId: `W${i % 4}`, sku: `SKU-${i}` }));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function stock(key: StockLevelKey, revision: number): StockLevel {
  return {
    ...key,
    available: Math.floor(Math.random() * 1_000),
    reserved: Math.floor(Math.random() * 100),
    revision,
    countedOn: new Date(Date.UTC(2024, 0, 1 + (revision % 300))),
  };
}

/** The same table without the revision fence: the last commit wins, as in a schema without a version. */
function unfencedSource(pool: pg.Pool): StockLevelSource {
  const fenced = createShopSources(pool).stockLevel;
  return {
    ...fenced,
    async save(s) {
      await pool.query(
        `INSERT INTO stock_levels (warehouse_id, sku, available, reserved, revision, counted_on)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (warehouse_id, sku) DO UPDATE SET available = $3, reserved = $4, revision = $5, counted_on = $6`,
        [s.warehouseId, s.sku, s.available, s.reserved, s.revision, sqlDate.fromDate(s.countedOn)],
      );
    },
  };
}

type StockRepository = Repository<StockLevel, StockLevelKey, StockLevelSource>;

function repository(
  definition: EntityDefinition<StockLevel, StockLevelKey>,
  options: RepositoryOptions<StockLevelSource>,
): StockRepository {
  return new Repository(definition, options);
}

/** The database answers a little late after committing: widens the window a racing writer can use. */
function answeringLate(source: StockLevelSource): StockLevelSource {
  return {
    ...source,
    async save(s) {
      await source.save(s);
      await sleep(Math.random() * 3);
    },
  };
}

/**
 * 4 writers x 1000 random updates over 20 keys (each writer on its own connection, like separate
 * processes) with 2 readers filling the cache meanwhile. Every 100 updates per writer all writers
 * pause, and every cached value is compared with its row: ten quiet moments, each one a chance
 * for a late older write to have been the last one.
 */
async function race(definition: EntityDefinition<StockLevel, StockLevelKey>, committed: StockLevelSource) {
  const source = answeringLate(committed);
  const keyPrefix = `${prefix}${definition.versionField ?? "unversioned"}:`;
  const clients = await Promise.all(Array.from({ length: 6 }, () => connect()));
  try {
    const repos = clients.map((client) => repository(definition, { redis: client as RedisClient, source, keyPrefix }));
    const [probe] = repos;
    let revision = 0;
    let cached = 0;
    let divergent = 0;
    const started = Date.now();
    for (let phase = 0; phase < 10; phase++) {
      let reading = true;
      const writers = repos.slice(0, 4).map(async (repo) => {
        for (let i = 0; i < 100; i++) await repo.save(stock(pick(keys), ++revision));
      });
      const readers = repos.slice(4).map(async (repo) => {
        while (reading) await repo.get(pick(keys));
      });
      await Promise.all(writers);
      reading = false;
      await Promise.all(readers);
      for (const key of keys) {
        if ((await redis.exists(probe!.keyOf(key))) === 0) continue;
        cached += 1;
        const value = await probe!.get(key); // a hit: the cached value
        if (JSON.stringify(value) !== JSON.stringify(await committed.load(key))) divergent += 1;
      }
    }
    return { updates: revision, cached, checked: 10 * keys.length, divergent, elapsedMs: Date.now() - started };
  } finally {
    await Promise.all(clients.map((client) => client.quit()));
  }
}

describe("write-through against PostgreSQL: concurrent writers never leave an older value cached", () => {
  it("with versionField (SQL fence on revision): 4 writers x 1000 random updates over 20 keys end with every cached value equal to its row", async () => {
    const figures = await race(stockLevelEntity, createShopSources(db.pool).stockLevel);
    console.log(
      `[write-through, versionField] ${figures.updates} updates by 4 writers over 20 keys in ${figures.elapsedMs} ms; at 10 pauses, cached entries checked: ${figures.cached}/${figures.checked}; divergent from their row: ${figures.divergent}`,
    );
    expect(figures.updates).toBe(4_000);
    expect(figures.cached).toBeGreaterThan(0);
    expect(figures.divergent).toBe(0);
  }, 60_000);

  it("without versionField (last commit wins): racing writes fall back to invalidation, and every cached value equals its row", async () => {
    const { versionField: _dropped, ...withoutVersion } = stockLevelEntity;
    const unversioned = defineEntity<StockLevel, StockLevelKey>(withoutVersion);
    const figures = await race(unversioned, unfencedSource(db.pool));
    console.log(
      `[write-through, no versionField] ${figures.updates} updates by 4 writers over 20 keys in ${figures.elapsedMs} ms; at 10 pauses, cached entries checked: ${figures.cached}/${figures.checked}; divergent from their row: ${figures.divergent}`,
    );
    expect(figures.updates).toBe(4_000);
    expect(figures.divergent).toBe(0);
  }, 60_000);

  it("a failing source write caches nothing, and the error reaches the caller", async () => {
    const repo = repository(stockLevelEntity, {
      redis,
      source: createShopSources(db.pool).stockLevel,
      keyPrefix: `${prefix}fail:`,
    });
    const key = { warehouseId: "FAIL", sku: "SKU-1" };
    const good = stock(key, 1);
    await repo.save(good);
    const tooLarge = { ...stock(key, 2), available: 2 ** 31 }; // the integer column refuses it
    await expect(repo.save(tooLarge)).rejects.toThrow(/out of range for type integer/);
    expect(await repo.get(key)).toEqual(good);
    const fresh = { warehouseId: "FAIL", sku: "SKU-2" };
    await expect(repo.save({ ...stock(fresh, 1), available: 2 ** 31 })).rejects.toThrow(/out of range/);
    expect(await redis.exists(repo.keyOf(fresh))).toBe(0);
  });
});
