import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { openShopPool, type ShopDatabase } from "../../../examples/shop/database.js";
import { createShopSources } from "../../../examples/shop/sources.js";
import { OrderRepository } from "../../../generated/order.js";
import { collectEvents, connect, uniquePrefix } from "../../runtime/helpers.js";
import { TcpProxy } from "../../support/tcp-proxy.js";
import { sleep, until } from "../../support/wait.js";
import { order } from "../../write-behind/children/protocol.js";
import { customerId, ordersLanded, shopWithCustomer } from "./shop.js";
import { deadLetterKeysOf, totalLength } from "../../support/key-layout.js";

// A database that is unreachable for a few seconds (PostgreSQL restarting or failing over: the
// driver throws ECONNREFUSED) is not a poison entry: the worker retries with backoff for up to
// retryHorizonMs, the saved values stay cached (and served), and only writes the source rejects are
// dead-lettered. Dead letters can be replayed.

const prefix = uniquePrefix("wb-outage");
let db: ShopDatabase;
let redis: Redis;
let proxy: TcpProxy;
let pool: pg.Pool;

beforeAll(async () => {
  db = await shopWithCustomer();
  redis = await connect();
  const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
  proxy = await TcpProxy.start(Number(url.port || 5432));
  url.port = String(proxy.port);
  pool = openShopPool(db.schema, url.toString());
  pool.on("error", () => undefined); // idle connections cut by the outage
});

afterAll(async () => {
  await pool.end();
  await proxy.close();
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  await db.drop();
});

const landed = (ids: readonly string[]): Promise<number> => ordersLanded(db, ids);

function repository() {
  const keyPrefix = `${prefix}${randomUUID()}:`;
  const events = collectEvents();
  const orders = new OrderRepository({
    redis,
    keyPrefix,
    source: createShopSources(pool).order,
    onEvent: events.onEvent,
  });
  return { orders, events, deadLetterKeys: deadLetterKeysOf(keyPrefix, "Order") };
}

describe("guarantee 4: a source outage is retried, not dead-lettered", () => {
  it("PostgreSQL unreachable for 4 s (ECONNREFUSED) while 200 saves are acknowledged: 0 dead letters, 0 lost, values served meanwhile", async () => {
    const { orders, events, deadLetterKeys } = repository();
    const worker = orders.startWorker({ retryBaseMs: 100, pollMs: 50 });
    try {
      await proxy.refuse();
      const outageStarted = Date.now();
      const saved = Array.from({ length: 200 }, () => order(randomUUID(), customerId, 1));
      for (const o of saved) await orders.save(o);
      await sleep(Math.max(0, 4_000 - (Date.now() - outageStarted)));
      const deadDuringOutage = await totalLength(redis, deadLetterKeys);
      // Served from the cache during the outage (the source has none of them, and cannot be reached).
      const served = await orders.getMany(saved.map((o) => o.id)).catch(() => []);
      const servedDuringOutage = served.filter((value, i) => value?.revision === saved[i]!.revision).length;
      await proxy.accept();
      await orders.flush(30_000);
      const deadLetters = await totalLength(redis, deadLetterKeys);
      const inSource = await landed(saved.map((o) => o.id));
      console.log(
        `[write-behind source outage] 4 s ECONNREFUSED, 200 saves: dead letters ${deadLetters} (${deadDuringOutage} during the outage), in the source ${inSource}, served from cache during the outage ${servedDuringOutage}, write-failed events ${events.of("write-failed").length}`,
      );
      expect(deadLetters).toBe(0);
      expect(servedDuringOutage).toBe(200);
      expect(inSource).toBe(200);
      expect(events.of("dead-letter")).toHaveLength(0);
    } finally {
      await proxy.accept().catch(() => undefined);
      await worker.stop();
    }
  });

  it("a write the source rejects (foreign key) is dead-lettered; once fixed, replayDeadLetters() queues it again and it lands", async () => {
    const { orders, deadLetterKeys } = repository();
    const worker = orders.startWorker({ retryBaseMs: 20, pollMs: 50 });
    try {
      const otherCustomer = randomUUID();
      const poison = order(randomUUID(), otherCustomer, 1);
      await orders.save(poison);
      await until(async () => (await totalLength(redis, deadLetterKeys)) === 1, 10_000);
      expect(await orders.get(poison.id)).toBeNull();
      await db.pool.query(
        `INSERT INTO customers (id, email, name, roles, tier, preferences, phone, created_at, updated_at, meta)
         VALUES ($1, 'bob@example.com', 'Bob', '{buyer}', 'gold', '{}', '+44', now(), now(), '{}')`,
        [otherCustomer],
      );
      expect(await orders.replayDeadLetters({ limit: 10 })).toBe(1);
      expect(await totalLength(redis, deadLetterKeys)).toBe(0);
      expect(await orders.get(poison.id)).toMatchObject({ id: poison.id, revision: 1 });
      await orders.flush(10_000);
      expect(await landed([poison.id])).toBe(1);
      expect(await orders.replayDeadLetters()).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
