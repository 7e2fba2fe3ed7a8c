import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { defineEntity, deleteByPrefix, Repository, type CacheStats, type Instrumentation } from "cachegen/runtime";
import {
  TeamRepository,
  teamEntity,
  type Team,
  type TeamKey,
  type TeamSource,
} from "../fixtures/valid/full-featured-read-through/expected/team.js";
import {
  OrderRepository,
  type Order,
  type OrderSource,
} from "../fixtures/valid/write-behind-msgpack/expected/order.js";
import { freePort } from "../support/free-port.js";
import { sleep, until } from "../support/wait.js";
import { connect, uniquePrefix } from "./helpers.js";

/** What the workload did: each repository's `stats()` by entity, and what some of them must be. */
export interface WorkloadResult {
  readonly stats: Readonly<Record<string, CacheStats>>;
  /** The figures the workload determines exactly, by entity (the rest must equal `stats`). */
  readonly expected: Readonly<Record<string, Partial<CacheStats>>>;
  /** Operations run, by entity and operation, and how many of them rejected. */
  readonly operations: Readonly<Record<string, Readonly<Record<string, { calls: number; errors: number }>>>>;
  /** Every Redis key and entity key the workload used: none may appear in a metric. */
  readonly keys: readonly string[];
}

const tinyTtlTeam = defineEntity<Team, TeamKey>({
  ...teamEntity,
  name: "TeamSwr",
  ttlMs: 200,
  jitter: 0,
  staleWhileRevalidateMs: 60_000,
});
const offlineTeam = defineEntity<Team, TeamKey>({ ...teamEntity, name: "TeamOffline" });

class TeamTable implements TeamSource {
  readonly rows = new Map<string, Team>();
  add(name: string): Team {
    const team = { id: randomUUID(), name };
    this.rows.set(team.id, team);
    return team;
  }
  async load({ id }: TeamKey): Promise<Team | null> {
    return this.rows.get(id) ?? null;
  }
  async save(team: Team): Promise<void> {
    this.rows.set(team.id, team);
  }
}

function order(revision = 1): Order {
  return {
    id: randomUUID(),
    customerId: randomUUID(),
    status: "pending",
    total: 1234n,
    placedAt: new Date("2026-01-02T03:04:05.000Z"),
    revision,
    note: null,
  };
}

/**
 * One known workload over four repositories on the tests' Redis, all given `instrumentation`:
 * - Team (read-through): a miss, hits, a getMany, a not-found, three coalesced gets, an invalid
 *   cached value, a rejected get (bad key), a save and an invalidate;
 * - TeamSwr (200 ms TTL, stale-while-revalidate): a stale hit and its background refresh;
 * - TeamOffline: a client whose Redis is gone (Redis errors, reads from the source);
 * - Order (write-behind): three saves, two reach the source, one is refused until dead-lettered.
 */
export async function runInstrumentedWorkload(
  instrumentation: Instrumentation | Instrumentation[],
): Promise<WorkloadResult> {
  const prefix = uniquePrefix("instr");
  const redis = await connect();
  const offline = new Redis({
    host: "127.0.0.1",
    port: await freePort(),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  offline.on("error", () => undefined);
  const table = new TeamTable();
  const [t1, t2, t3, t4, t5] = ["one", "two", "three", "four", "five"].map((name) => table.add(name)) as Team[];
  const options = { redis, keyPrefix: prefix, source: table, instrumentation };
  const teams = new TeamRepository(options);
  const swr = new Repository<Team, TeamKey, TeamSource>(tinyTtlTeam, options);
  const down = new Repository<Team, TeamKey, TeamSource>(offlineTeam, { ...options, redis: offline, timeoutMs: 50 });
  const refused = order();
  const written: string[] = [];
  const orderSource: OrderSource = {
    load: async () => null,
    save: async (o) => {
      if (o.id === refused.id) throw new Error("the orders table refused this row");
      written.push(o.id);
    },
    delete: async () => undefined,
  };
  const orders = new OrderRepository({ redis, keyPrefix: prefix, source: orderSource, instrumentation });
  const absent = randomUUID();
  try {
    await teams.get(t1!.id); // miss, load
    await teams.get(t1!.id); // hit
    await teams.get(t1!.id); // hit
    await teams.getMany([t1!.id, t2!.id, t3!.id]); // 1 hit, 2 misses, 2 loads
    await teams.get(absent); // miss, load (null: no negative TTL, not remembered)
    await Promise.all([teams.get(t4!.id), teams.get(t4!.id), teams.get(t4!.id)]); // miss, load, 2 coalesced
    await redis.set(teams.keyOf(t5!.id), "not a cached value");
    await teams.get(t5!.id); // invalid value (dropped), miss, load
    await teams.get("not-a-uuid").catch(() => undefined); // InvalidKeyError: an operation that rejects
    await teams.save({ ...t1!, name: "one, renamed" });
    await teams.invalidate(t2!.id);

    await swr.get(t1!.id); // miss, load
    await sleep(300);
    await swr.get(t1!.id); // stale hit; one background refresh loads
    await until(() => swr.stats().loads === 2, 5_000);

    await down.get(t1!.id); // Redis error(s), miss, load from the source
    await down.get(t2!.id);

    const saved = [order(), order(), refused];
    for (const o of saved) await orders.save(o); // queued
    const worker = orders.startWorker({ pollMs: 20, retryBaseMs: 5 });
    try {
      await until(() => orders.stats().flushed === 2 && orders.stats().deadLettered === 1, 15_000);
    } finally {
      await worker.stop();
    }

    return {
      stats: {
        Team: teams.stats(),
        TeamSwr: swr.stats(),
        TeamOffline: down.stats(),
        Order: orders.stats(),
      },
      expected: {
        Team: {
          hits: 3,
          misses: 6,
          loads: 6,
          coalesced: 2,
          invalidValues: 1,
          staleHits: 0,
          redisErrors: 0,
          queued: 0,
        },
        TeamSwr: { hits: 0, misses: 1, loads: 2, staleHits: 1 },
        TeamOffline: { hits: 0, misses: 2, loads: 2 },
        Order: { queued: 3, flushed: 2, deadLettered: 1, hits: 0 },
      },
      operations: {
        Team: {
          get: { calls: 9, errors: 1 },
          getMany: { calls: 1, errors: 0 },
          save: { calls: 1, errors: 0 },
          invalidate: { calls: 1, errors: 0 },
        },
        TeamSwr: { get: { calls: 2, errors: 0 } },
        TeamOffline: { get: { calls: 2, errors: 0 } },
        Order: { save: { calls: 3, errors: 0 } },
      },
      keys: [prefix, ...[t1, t2, t3, t4, t5].map((t) => t!.id), absent, ...saved.map((o) => o.id)],
    };
  } finally {
    await Promise.all([teams.close(), swr.close(), down.close(), orders.close()]);
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    offline.disconnect();
  }
}
