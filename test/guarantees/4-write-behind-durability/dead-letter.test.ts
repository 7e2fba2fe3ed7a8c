import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import type { ShopDatabase } from "../../../examples/shop/database.js";
import { createShopSources } from "../../../examples/shop/sources.js";
import { orderEntity, OrderRepository } from "../../../generated/order.js";
import { collectEvents, connect, uniquePrefix } from "../../runtime/helpers.js";
import { until } from "../../support/wait.js";
import { order } from "../../write-behind/children/protocol.js";
import { customerId, ordersLanded, shopWithCustomer } from "./shop.js";
import { allEntries, deadLetterKeysOf } from "../../support/key-layout.js";

const prefix = uniquePrefix("wb-dlq");
let db: ShopDatabase;
let redis: Redis;

beforeAll(async () => {
  db = await shopWithCustomer();
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  await db.drop();
});

const landed = (ids: readonly string[]): Promise<number> => ordersLanded(db, ids);

describe("guarantee 4: dead letters", () => {
  it("guarantee 4 (dead letter): a write PostgreSQL keeps rejecting reaches the dead-letter stream after maxAttempts, while the rest keep flowing", async () => {
    const keyPrefix = `${prefix}${randomUUID()}:`;
    const events = collectEvents();
    const orders = new OrderRepository({
      redis,
      keyPrefix,
      source: createShopSources(db.pool).order,
      onEvent: events.onEvent,
    });
    const poison = order(randomUUID(), randomUUID(), 1); // no such customer: the foreign key rejects it
    const first = Array.from({ length: 20 }, () => order(randomUUID(), customerId, 1));
    for (const o of [...first.slice(0, 10), poison, ...first.slice(10)]) await orders.save(o);

    const started = Date.now();
    const worker = orders.startWorker({ retryBaseMs: 100, pollMs: 50 });
    try {
      await until(async () => (await landed(first.map((o) => o.id))) === 20, 5_000);
      const second = Array.from({ length: 20 }, () => order(randomUUID(), customerId, 1));
      for (const o of second) await orders.save(o);
      await until(async () => (await landed(second.map((o) => o.id))) === 20, 5_000);
      const secondLandedMs = Date.now() - started;
      await orders.flush(10_000);
      const deadLetteredMs = Date.now() - started;
      await worker.stop(); // its counters are final once it stopped

      const deadLetters = await allEntries(redis, deadLetterKeysOf(keyPrefix, "Order"));
      const fields = Object.fromEntries(
        deadLetters.flatMap(([, flat]) => flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]]))),
      );
      console.log(
        `[write-behind dead letter] 40 good orders landed (the 20 saved after the poison ${secondLandedMs} ms in, while it was being retried); ` +
          `poison dead-lettered after ${fields.attempts} attempts at ${deadLetteredMs} ms with: ${fields.error}`,
      );
      expect(secondLandedMs).toBeLessThan(deadLetteredMs);
      expect(deadLetters).toHaveLength(1);
      expect(fields).toMatchObject({ op: "s", key: poison.id, attempts: String(orderEntity.writeBehind!.maxAttempts) });
      expect(fields.error).toMatch(/foreign key/);
      expect(events.of("dead-letter")).toHaveLength(1);
      expect(orders.stats()).toMatchObject({
        deadLettered: 1,
        flushed: 40,
        failed: orderEntity.writeBehind!.maxAttempts,
      });
      // The poison never reached the source: the cache does not keep serving it.
      expect(await orders.get(poison.id)).toBeNull();
      expect(await landed([...first, ...second].map((o) => o.id))).toBe(40);
    } finally {
      await worker.stop();
    }
  });
});
