import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheUnavailableError, CacheWriteUnknownError } from "cachegen/runtime";
import { CategoryRepository, type Category } from "../../../generated/category.js";
import { OrderRepository, type Order } from "../../../generated/order.js";
import { MemorySource } from "../../cli/example-entities.js";
import { requireBuiltCli, runCli } from "../../cli/cli-harness.js";
import { collectEvents, uniquePrefix } from "../../runtime/helpers.js";
import { replicationInfo } from "../../support/replicated-redis.js";
import { SENTINEL_MASTER_NAME, SentinelSet } from "../../support/sentinel-set.js";
import { sleep, until } from "../../support/wait.js";

// Guarantee 8 on a Sentinel-managed primary: the generated repositories over an ioredis Sentinel
// client (`new Redis({ sentinels, name })`, the application's own, with ioredis' defaults). A spawned
// primary, one replica, three sentinels (quorum 2, down after 1 s).

requireBuiltCli();
/** The example schemas (Order is write-behind). */
const examples = fileURLToPath(new URL("../../..", import.meta.url));
let set: SentinelSet;
let redis: Redis;

beforeAll(async () => {
  set = await SentinelSet.start({ downAfterMs: 1_000 });
  redis = new Redis({ sentinels: set.sentinels, name: SENTINEL_MASTER_NAME });
  redis.on("error", () => undefined);
  await until(() => redis.status === "ready", 5_000);
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await set?.stop();
});

const CATEGORIES = 50;

function order(i: number): Order {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    customerId: "0b7f5a7e-2f59-4c1b-9d0e-1f2a3b4c5d6e",
    status: "pending",
    lines: [],
    totalCents: BigInt(i),
    placedAt: new Date("2024-03-01T10:00:00.000Z"),
    revision: 1,
  };
}

function shop(keyPrefix: string) {
  const events = collectEvents();
  const categorySource = new MemorySource((c: Category) => ({ id: c.id }));
  for (let id = 1; id <= CATEGORIES; id++)
    categorySource.put({ id, name: `c${id}-0`, slug: `c${id}`, productCount: 0 });
  const categories = new CategoryRepository({ redis, source: categorySource, keyPrefix, onEvent: events.onEvent });
  const orderSource = new MemorySource((o: Order) => ({ id: o.id }));
  const orders = new OrderRepository({ redis, source: orderSource, keyPrefix, onEvent: events.onEvent });
  return { categories, categorySource, orders, events };
}

describe("guarantee 8 (Sentinel): the same repositories over an ioredis Sentinel client", () => {
  it("kill the primary under a read/write load: reads keep answering, writes resume on the promoted replica, no stale value after", async () => {
    const { categories, categorySource, orders, events } = shop(uniquePrefix("sentinel-failover"));
    const oldPrimary = set.servers.primary.port;
    let running = true;
    const reads = { done: 0, failed: 0, wrong: 0, longestMs: 0 };
    const writes = { categorySaves: 0, orderSaves: 0, rejected: 0, resolvedAfterFailover: 0 };
    let failedOverAt = 0;
    let version = 0;

    const reader = async () => {
      while (running) {
        const id = 1 + Math.floor(Math.random() * CATEGORIES);
        const startedAt = Date.now();
        try {
          const got = await categories.get(id);
          if (!got || got.id !== id) reads.wrong += 1;
        } catch {
          reads.failed += 1;
        }
        reads.longestMs = Math.max(reads.longestMs, Date.now() - startedAt);
        reads.done += 1;
        await sleep(2);
      }
    };
    const categoryWriter = async () => {
      while (running) {
        const id = 1 + Math.floor(Math.random() * CATEGORIES);
        await categories.save({ id, name: `c${id}-${++version}`, slug: `c${id}`, productCount: version });
        writes.categorySaves += 1;
        await sleep(10);
      }
    };
    const orderWriter = async () => {
      let i = 0;
      while (running) {
        try {
          await orders.save(order(++i));
          writes.orderSaves += 1;
          if (failedOverAt) writes.resolvedAfterFailover += 1;
        } catch (error) {
          if (!(error instanceof CacheUnavailableError || error instanceof CacheWriteUnknownError)) throw error;
          writes.rejected += 1;
        }
        await sleep(10);
      }
    };
    const load = Promise.all([...Array.from({ length: 8 }, reader), categoryWriter(), orderWriter()]);

    await sleep(1_000);
    const killedAt = Date.now();
    await set.servers.primary.kill();
    await until(async () => (await set.primaryPort().catch(() => oldPrimary)) !== oldPrimary, 30_000, 50);
    failedOverAt = Date.now();
    await until(() => writes.resolvedAfterFailover >= 20, 30_000, 20);
    const writesBackAt = Date.now();
    await sleep(1_000);
    running = false;
    await load;

    // Invalidations owed while Redis was away are retried once it is back: give them a moment.
    await sleep(500);
    let stale = 0;
    for (let id = 1; id <= CATEGORIES; id++) {
      const cached = await categories.get(id);
      const row = await categorySource.load({ id });
      if (cached?.name !== row?.name) stale += 1;
    }
    const role = (await replicationInfo(redis)).get("role");
    console.log(
      `[sentinel failover] primary SIGKILLed under load (8 readers, category and order writers): sentinels promoted the replica after ${failedOverAt - killedAt} ms; order saves resolving again ${writesBackAt - killedAt} ms after the kill; ` +
        `reads: ${reads.done}, failed: ${reads.failed}, wrong: ${reads.wrong}, longest: ${reads.longestMs} ms; ` +
        `category saves (source write + invalidation): ${writes.categorySaves}, none failed; write-behind order saves: ${writes.orderSaves} resolved, ${writes.rejected} rejected (CacheUnavailableError/CacheWriteUnknownError); ` +
        `stale values after: ${stale}/${CATEGORIES}; redis-error events: ${events.of("redis-error").length}; client now on a ${role}`,
    );
    expect(reads.failed).toBe(0);
    expect(reads.wrong).toBe(0);
    expect(writes.resolvedAfterFailover).toBeGreaterThanOrEqual(20);
    expect(stale).toBe(0);
    expect(role).toBe("master");
    await orders.close();
    await categories.close();
  }, 90_000);

  it("a primary demoted while the client stays connected (READONLY replies): the client reconnects to the new primary, writes resume", async () => {
    await set.healed(); // the primary killed above is back, as a replica
    const { orders, events } = shop(uniquePrefix("sentinel-readonly"));
    await until(() => redis.status === "ready", 10_000);
    await orders.save(order(1));
    const primaryPort = await set.primaryPort();
    const replicaPort = [set.servers.primary.port, set.servers.replicas[0]!.port].find((port) => port !== primaryPort)!;
    const admin = (port: number) => {
      const client = new Redis({ host: "127.0.0.1", port, lazyConnect: false });
      client.on("error", () => undefined);
      return client;
    };
    const [oldPrimary, newPrimary] = [admin(primaryPort), admin(replicaPort)];
    try {
      // Switch roles behind the client's back (as a failover whose demotion reached the old primary
      // before any disconnect): the sentinels are told the new primary; the app's connection stays open.
      await newPrimary.call("REPLICAOF", "NO", "ONE");
      await oldPrimary.call("REPLICAOF", "127.0.0.1", String(replicaPort));
      for (let i = 0; i < set.sentinelPorts.length; i++) {
        const sentinel = set.sentinel(i);
        await sentinel.call("SENTINEL", "REMOVE", SENTINEL_MASTER_NAME);
        await sentinel.call("SENTINEL", "MONITOR", SENTINEL_MASTER_NAME, "127.0.0.1", String(replicaPort), "2");
        await sentinel.call("SENTINEL", "SET", SENTINEL_MASTER_NAME, "down-after-milliseconds", "1000");
      }
      let rejected = 0;
      const startedAt = Date.now();
      for (let i = 2; ; i++) {
        try {
          await orders.save(order(i));
          break;
        } catch (error) {
          if (!(error instanceof CacheUnavailableError || error instanceof CacheWriteUnknownError)) throw error;
          rejected += 1;
          if (Date.now() - startedAt > 10_000) throw new Error(`writes still rejected after 10 s: ${String(error)}`);
          await sleep(50);
        }
      }
      const readOnlyReplies = events.of("redis-error").filter((event) => /READONLY/.test(String(event.error))).length;
      console.log(
        `[sentinel READONLY] demoted primary: ${readOnlyReplies} READONLY replies, ${rejected} saves rejected, writes resumed on the new primary after ${Date.now() - startedAt} ms`,
      );
      expect(readOnlyReplies).toBeGreaterThan(0);
      expect((await replicationInfo(redis)).get("role")).toBe("master");
      expect(await orders.pending()).toBeGreaterThan(0);
    } finally {
      oldPrimary.disconnect();
      newPrimary.disconnect();
      await orders.close();
    }
  }, 60_000);

  it("cachegen doctor pointed at a sentinel recognises the setup and checks the primary it names", async () => {
    await set.healed();
    const primaryPort = await set.primaryPort();
    const result = await runCli(examples, ["doctor", "--redis", `redis://127.0.0.1:${set.sentinelPorts[1]}`]);
    const line = (name: string) =>
      result.stdout.split("\n").find((candidate) => candidate.startsWith(`${name}: `)) ?? "";
    expect(line("sentinel")).toMatch(
      new RegExp(
        `^sentinel: ok: connected via Sentinel 127\\.0\\.0\\.1:${set.sentinelPorts[1]}: it names 127\\.0\\.0\\.1:${primaryPort} the primary of "${SENTINEL_MASTER_NAME}" \\(1 replica\\(s\\), 3 sentinel\\(s\\), status ok\\)`,
      ),
    );
    expect(line("sentinel")).toContain(`name: "${SENTINEL_MASTER_NAME}" })`);
    expect(line("connection")).toBe(`connection: ok: connected to redis://127.0.0.1:${primaryPort}`);
    expect(line("replication")).toMatch(
      /^replication: ok: primary with 1 replica\(s\), 1 online, lag \d+ s at most; replication is asynchronous: write-behind saves are acknowledged by the primary alone unless the repositories get durability: \{ replicas: 1 \}/,
    );
    expect(line("cluster")).toBe("cluster: ok: standalone (not a cluster)");
  }, 60_000);
});
