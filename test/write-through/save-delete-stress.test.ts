// Issue 11 item 5, under load: 4 processes x 50 concurrent random saves, deletes and gets over 20
// keys of a write-through entity with versionField, against PostgreSQL (upsert fenced on the
// revision). After each round, once every process is quiet, every cached value equals its row
// (a deleted row is not cached).
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, Repository, type RedisClient } from "cachegen/runtime";
import { stockLevelEntity, type StockLevelKey } from "../../generated/stock-level.js";
import { Children, type Message } from "../support/child-process.js";
import { DEFAULT_DATABASE_URL } from "../support/test-services.js";
import { connect, REDIS_PORT, uniquePrefix } from "../runtime/helpers.js";
import { stockTableSource, type SaveDeleteInput } from "./stock-table.js";

const PROCESSES = 4;
const CONCURRENCY = 50;
const ROUNDS = 6;
const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const table = `cg_wt_save_delete_${randomBytes(4).toString("hex")}`;
const keyPrefix = uniquePrefix("wt-save-delete-stress");
const keys: StockLevelKey[] = Array.from({ length: 20 }, (_, i) => ({ warehouseId: `W${i % 3}`, sku: `SKU-${i}` }));
const children = new Children<Message, { type: "done"; errors: number }>("test/write-through/save-delete-child.ts");
let pool: pg.Pool;
let redis: Redis;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await pool.query(stockTableSource(pool, table).createSql);
  redis = await connect();
});

afterEach(() => children.killAll());

afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
  await deleteByPrefix(redis, keyPrefix);
  await redis.quit();
});

describe.each([
  ["save answers nothing", false],
  ["save answers the row it kept", true],
])("write-through against PostgreSQL: saves racing deletes (%s)", (label, returnKept) => {
  it(`${PROCESSES} processes x ${CONCURRENCY} concurrent random saves/deletes/gets over 20 keys: 0 divergent keys after each round`, async () => {
    const rows = stockTableSource(pool, table);
    const probe = new Repository(stockLevelEntity, { redis: redis as RedisClient, source: rows, keyPrefix });
    const processes = Array.from({ length: PROCESSES }, (_, index) =>
      children.start({
        index,
        databaseUrl,
        table,
        redisPort: REDIS_PORT,
        keyPrefix,
        keys,
        rounds: ROUNDS,
        concurrency: CONCURRENCY,
        replyMs: 30,
        returnKept,
      } satisfies SaveDeleteInput),
    );
    for (const key of keys) await rows.delete(key);
    await deleteByPrefix(redis, keyPrefix);
    let divergent = 0;
    let cached = 0;
    let errors = 0;
    const divergentPerRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const child of processes) child.send({ type: "go" });
      for (const child of processes) errors += (await child.next("done", 60_000)).errors;
      let inRound = 0;
      for (const key of keys) {
        if ((await redis.exists(probe.keyOf(key))) === 0) continue;
        cached += 1;
        const value = await probe.get(key); // a hit: the cached value
        if (JSON.stringify(value) !== JSON.stringify(await rows.load(key))) inRound += 1;
      }
      divergentPerRound.push(inRound);
      divergent += inRound;
    }
    console.log(
      `[write-through save/delete stress, ${label}] ${PROCESSES} processes x ${CONCURRENCY} concurrent ops x ${ROUNDS} rounds over 20 keys: cached entries checked ${cached}/${ROUNDS * keys.length}, divergent ${divergent} (per round ${divergentPerRound.join(", ")}), errors ${errors}`,
    );
    expect(errors).toBe(0);
    expect(cached).toBeGreaterThan(0);
    expect(divergent).toBe(0);
  }, 120_000);
});
