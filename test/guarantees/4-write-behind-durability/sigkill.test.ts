import { randomUUID } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, type WriteBehindWorker } from "cachegen/runtime";
import type { ShopDatabase } from "../../../examples/shop/database.js";
import { createShopSources } from "../../../examples/shop/sources.js";
import { OrderRepository, type Order } from "../../../generated/order.js";
import { uniquePrefix } from "../../runtime/helpers.js";
import { Children, type TsChild } from "../../support/child-process.js";
import { redisTargets, type RedisTarget } from "../../support/redis-targets.js";
import { sleep, until } from "../../support/wait.js";
import { order, type FromApp, type FromWorker, type ShopProcessInput } from "../../write-behind/children/protocol.js";
import { customerId, shopWithCustomer } from "./shop.js";
import { streamKeysOf, totalLength } from "../../support/key-layout.js";

const apps = new Children<{ type: string }, FromApp>("test/write-behind/children/order-app.ts");
const workerProcesses = new Children<{ type: "stop" }, FromWorker>("test/write-behind/children/order-worker.ts");
const workers: WriteBehindWorker[] = [];
const prefix = uniquePrefix("wb-durable");
const { targets, start, stop } = redisTargets();

let db: ShopDatabase;

beforeAll(async () => {
  [db] = await Promise.all([shopWithCustomer(), start()]);
}, 60_000);

afterEach(async () => {
  await Promise.all([apps.killAll(), workerProcesses.killAll(), ...workers.splice(0).map((worker) => worker.stop())]);
});

afterAll(async () => {
  await Promise.all([db.drop(), stop()]);
});

/** A queue of its own on `target`: every test works under a fresh key prefix. */
function shop(
  redis: Redis | Cluster,
  target: RedisTarget,
): ShopProcessInput & { orders: OrderRepository; streamKeys: readonly string[] } {
  const keyPrefix = `${prefix}${randomUUID()}:`;
  const orders = new OrderRepository({ redis, source: createShopSources(db.pool).order, keyPrefix });
  return {
    ...target.childRedis(),
    keyPrefix,
    schema: db.schema,
    orders,
    streamKeys: streamKeysOf(keyPrefix, "Order"),
  };
}

async function rows(ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.pool.query("SELECT id, revision FROM orders WHERE id = ANY($1::uuid[])", [ids]);
  return new Map(rows.map((row) => [row.id as string, row.revision as number]));
}

/** Entries a consumer of the group holds (read, not acknowledged). */
async function heldBy(redis: Redis | Cluster, streamKeys: readonly string[], consumer: string): Promise<number> {
  let held = 0;
  for (const streamKey of streamKeys) held += await heldIn(redis, streamKey, consumer);
  return held;
}

async function heldIn(redis: Redis | Cluster, streamKey: string, consumer: string): Promise<number> {
  const consumers = (await redis.call("XINFO", "CONSUMERS", streamKey, "cachegen").catch(() => [])) as unknown[][];
  const mine = consumers.find((fields) => fields[1] === consumer);
  return mine ? Number(mine[3]) : 0;
}

/** Every acknowledgement the app sends until it reports all saves done: newest revision per order. */
async function collectAcks(
  app: TsChild<{ type: string }, FromApp>,
  into: Map<string, number>,
): Promise<{ count: number; retries: number }> {
  let count = 0;
  void (async () => {
    for (;;) {
      const { saves } = await app.next("acked", 60_000);
      for (const [id, revision] of saves) into.set(id, Math.max(into.get(id) ?? 0, revision));
      count += saves.length;
    }
  })().catch(() => undefined); // ends when the app is killed
  const { retries } = await app.next("saved", 30_000);
  // "acked" batches that came in the same chunk as "saved" are buffered: the loop above takes them
  // one microtask hop at a time, all of them before the next turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  return { count, retries };
}

describe.each(targets)("guarantee 4: write-behind durability (real processes, PostgreSQL, $name)", (target) => {
  let redis: Redis | Cluster;
  beforeAll(async () => {
    redis = await target.client();
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it(`guarantee 4 (durability, ${target.name}): every save acknowledged before a SIGKILL of the app reaches PostgreSQL, none left at an older revision`, async () => {
    const { orders, streamKeys, ...input } = shop(redis, target);
    const orderIds = Array.from({ length: 500 }, () => randomUUID());
    const app = apps.start({ ...input, customerId, orderIds, revisions: 10, lanes: 50, workerDelayMs: 100 });
    await app.next("ready");
    const acked = new Map<string, number>();
    const { count: acknowledged, retries } = await collectAcks(app, acked);
    // Kill the app while its worker writes the last revisions: then the batch in flight holds the
    // newest revision of its orders, and nothing later in the queue would cover a lost one.
    await until(async () => (await totalLength(redis, streamKeys)) <= 300, 30_000, 1);
    await sleep(20); // its next batch is in the (100 ms) source write now
    await app.kill("SIGKILL");
    const killedAt = Date.now();
    const [queued, heldByKilledWorker] = await Promise.all([
      totalLength(redis, streamKeys),
      heldBy(redis, streamKeys, "app"),
    ]);
    const drainer = workerProcesses.start({
      ...input,
      consumer: "drainer",
      minIdleMs: 1_000,
      pollMs: 100,
      hang: false,
    });
    await drainer.next("started");
    await until(async () => (await totalLength(redis, streamKeys)) === 0, 30_000, 20);
    const drainMs = Date.now() - killedAt;
    drainer.send({ type: "stop" });
    await drainer.next("stopped");

    const found = await rows(orderIds);
    const lost = [...acked.keys()].filter((id) => !found.has(id));
    const behind = [...acked].filter(([id, revision]) => (found.get(id) ?? Infinity) < revision);
    let cacheDivergent = 0;
    for (const [id, revision] of found) if ((await orders.get(id))?.revision !== revision) cacheDivergent++;
    console.log(
      `[write-behind SIGKILL] writes acknowledged: ${acknowledged} over ${acked.size} orders (saves the app retried after CacheUnavailableError or CacheWriteUnknownError: ${retries}); at the kill ${queued} entries queued, ${heldByKilledWorker} of them in flight in the killed process's worker; rows found: ${[...acked.keys()].filter((id) => found.has(id)).length}/${acked.size}; ` +
        `lost: ${lost.length}; rows at an older revision than acknowledged: ${behind.length}; cached values differing from their row: ${cacheDivergent}; ` +
        `time to drain after the kill: ${drainMs} ms (includes minIdle 1000 ms before the dead worker's entries are claimed)`,
    );
    expect(acknowledged).toBe(5_000);
    expect(lost).toEqual([]);
    expect(behind).toEqual([]);
    expect(cacheDivergent).toBe(0);
    expect(heldByKilledWorker).toBeGreaterThan(0); // the kill did land mid-batch
  }, 60_000);

  it(`guarantee 4 (claim, ${target.name}): 100 entries held by a SIGKILLed worker are all claimed by another within minIdle + two polls`, async () => {
    const { orders, streamKeys, ...input } = shop(redis, target);
    const ids = Array.from({ length: 100 }, () => randomUUID());
    for (const id of ids) await orders.save(order(id, customerId, 1));
    const stuck = workerProcesses.start({ ...input, consumer: "stuck", minIdleMs: 60_000, pollMs: 1_000, hang: true });
    while ((await stuck.next("holding")).count < 100); // a batch per queue partition
    await stuck.kill("SIGKILL");
    const killedAt = Date.now();

    const minIdleMs = 1_000;
    const pollMs = 200;
    let claimedAt = 0;
    let claimed = 0;
    const count = (n: number): void => {
      claimed += n;
      if (claimed >= 100 && !claimedAt) claimedAt = Date.now();
    };
    const pgOrders = createShopSources(db.pool).order;
    const rescuer = new OrderRepository({
      redis,
      keyPrefix: input.keyPrefix,
      source: {
        ...pgOrders,
        // a batch per queue partition; a batch of one entry is written with save
        saveMany: async (batch: Order[]) => (count(batch.length), await pgOrders.saveMany!(batch)),
        save: async (one: Order) => (count(1), await pgOrders.save(one)),
      },
    });
    workers.push(rescuer.startWorker({ consumer: "rescuer", minIdleMs, pollMs }));
    await rescuer.flush(10_000);
    const claimMs = claimedAt - killedAt;
    console.log(
      `[write-behind claim] 100 entries of a killed worker claimed ${claimMs} ms after the kill (bound: minIdle ${minIdleMs} + 2 polls x ${pollMs} = ${minIdleMs + 2 * pollMs} ms); rows: ${(await rows(ids)).size}`,
    );
    expect(claimedAt).toBeGreaterThan(0);
    expect(claimMs).toBeLessThanOrEqual(minIdleMs + 2 * pollMs);
    expect((await rows(ids)).size).toBe(100);
    expect(await totalLength(redis, streamKeys)).toBe(0);
  });

  it(`guarantee 4 (order, ${target.name}): a revision redelivered after a newer one landed leaves the row (and the cache) at the newer revision`, async () => {
    const { orders, ...input } = shop(redis, target);
    const id = randomUUID();
    await orders.save(order(id, customerId, 1));
    const stuck = workerProcesses.start({ ...input, consumer: "stuck", minIdleMs: 60_000, pollMs: 1_000, hang: true });
    expect((await stuck.next("holding")).count).toBe(1); // revision 1 is in flight there
    await orders.save(order(id, customerId, 2));
    workers.push(orders.startWorker({ consumer: "second", minIdleMs: 500, pollMs: 50 }));
    await until(async () => (await rows([id])).get(id) === 2, 5_000);
    await stuck.kill("SIGKILL"); // revision 1 is now redelivered to the second worker, late
    await orders.flush(10_000);
    const revision = (await rows([id])).get(id);
    console.log(
      `[write-behind redelivery] revision 1 redelivered after revision 2 landed: row at revision ${revision}, cached revision ${(await orders.get(id))?.revision}`,
    );
    expect(revision).toBe(2);
    expect((await orders.get(id))?.revision).toBe(2);
    expect(await redis.pttl(orders.keyOf(id))).toBeGreaterThan(0);
  });
});
