// Guarantee 2 across processes: 4 child processes share one Redis, or one cluster (each child on its
// own ioredis Cluster). In-process coalescing is in test/runtime/read-path.test.ts; repositories on
// separate connections: connections.test.ts.
import { randomUUID } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, Repository, type CacheStats } from "cachegen/runtime";
import { teamEntity, type Team } from "../../fixtures/valid/full-featured-read-through/expected/team.js";
import { connect, uniquePrefix } from "../../runtime/helpers.js";
import { Children } from "../../support/child-process.js";
import { redisTargets, type RedisTarget } from "../../support/redis-targets.js";
import { sleep } from "../../support/wait.js";
import {
  teamReaderProgram,
  type FromReader,
  type FromTest,
  type TeamReaderInput,
} from "../children/team-reader-protocol.js";

const PROCESSES = 4;
const GETS_PER_PROCESS = 250;
const LOAD_MS = 200;

const prefix = uniquePrefix("g2");
const readers = new Children<FromTest, FromReader>(teamReaderProgram);
const { targets, start, stop } = redisTargets();

beforeAll(start, 60_000);
afterEach(() => readers.killAll());
afterAll(stop);

/** Input for one reader process on `target`: `GETS_PER_PROCESS` concurrent gets of `id`. */
function readerInput(target: RedisTarget, id: string, overrides: Partial<TeamReaderInput> = {}): TeamReaderInput {
  return {
    ...target.childRedis(),
    keyPrefix: prefix,
    loadCounterKey: `${prefix}loads:${id}`,
    id,
    concurrentGets: GETS_PER_PROCESS,
    rounds: 1,
    loadMs: LOAD_MS,
    hangInLoad: false,
    leaseTtlMs: 5_000,
    timeoutMs: 2_000,
    ttlMs: 60_000,
    ...overrides,
  };
}

async function loadsCounted(redis: Redis | Cluster, input: TeamReaderInput): Promise<number> {
  return Number(await redis.get(input.loadCounterKey));
}

function sum(stats: readonly CacheStats[], counter: keyof CacheStats): number {
  return stats.reduce((total, s) => total + s[counter], 0);
}

/** Lua script replies on `client` arrive `ms` late (instrumentation of the real client): the scripts have run in Redis, their callers time out. */
function delayScriptReplies(client: Redis, ms: number): void {
  const target = client as unknown as { callBuffer(command: string, ...args: unknown[]): Promise<unknown> };
  const send = target.callBuffer.bind(client);
  target.callBuffer = async (command, ...args) => {
    const reply = await send(command, ...args);
    if (command === "EVALSHA" || command === "EVAL") await sleep(ms);
    return reply;
  };
}

describe.each(targets)("guarantee 2: stampede across processes ($name)", (target) => {
  let redis: Redis | Cluster;
  beforeAll(async () => {
    redis = await target.client();
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });

  it(`guarantee 2 (stampede, ${target.name}): 4 processes x 250 concurrent gets of one missing key cost one load; the other 999 coalesce or wait for the fill`, async ({
    annotate,
  }) => {
    const input = readerInput(target, randomUUID());
    const processes = Array.from({ length: PROCESSES }, () => readers.start(input));
    await Promise.all(processes.map((p) => p.next("ready")));

    const started = Date.now();
    for (const p of processes) p.send({ type: "go" });
    const reports = await Promise.all(processes.map((p) => p.next("done")));
    const wallMs = Date.now() - started;

    expect(await loadsCounted(redis, input)).toBe(1);
    for (const report of reports) {
      expect(report.names).toEqual(["load 1"]);
      expect(report.stats.coalesced).toBe(GETS_PER_PROCESS - 1); // one load per process at most ...
    }
    const stats = reports.map((r) => r.stats);
    const loads = sum(stats, "loads");
    const coalesced = sum(stats, "coalesced");
    const leaseWaits = sum(stats, "leaseWaits");
    expect({ loads, coalescedOrWaited: coalesced + leaseWaits }).toEqual({
      loads: 1,
      coalescedOrWaited: PROCESSES * GETS_PER_PROCESS - 1,
    }); // ... and one across all
    await annotate(
      `loads ${loads}, coalesced ${coalesced}, lease waits ${leaseWaits}, wall ${wallMs} ms (load ${LOAD_MS} ms)`,
    );
  });

  it(`guarantee 2 (stampede, ${target.name}): when the lease holder is SIGKILLed mid-load, the waiting processes finish within lease TTL + load time of the kill, with at most 2 loads`, async ({
    annotate,
  }) => {
    const leaseTtlMs = 1_000;
    const slackMs = 300; // two poll intervals (50 ms each), the fill, and 4 processes scheduled on a busy machine
    const id = randomUUID();
    const holder = readers.start(readerInput(target, id, { leaseTtlMs, hangInLoad: true, concurrentGets: 1 }));
    const waitersInput = readerInput(target, id, { leaseTtlMs });
    const waiters = Array.from({ length: PROCESSES - 1 }, () => readers.start(waitersInput));
    await Promise.all([holder, ...waiters].map((p) => p.next("ready")));

    holder.send({ type: "go" });
    const leaseTaken = await holder.next("loading"); // the holder took the lease, then called the source
    for (const w of waiters) w.send({ type: "go" });
    await Promise.all(waiters.map((w) => w.next("waiting", leaseTtlMs))); // while the holder's lease lasts
    await holder.kill("SIGKILL");
    const killedAt = Date.now();

    const reports = await Promise.all(waiters.map((w) => w.next("done")));
    const loads = await loadsCounted(redis, waitersInput);
    expect(loads).toBeLessThanOrEqual(2);
    // The holder renewed its lease while it lived: the lease outlives it by at most leaseTtlMs.
    const finishedMs = reports.map((r) => r.finishedAt - Math.max(leaseTaken.at, killedAt));
    for (const report of reports) expect(report.names).toEqual([`load ${loads}`]);
    expect(Math.max(...finishedMs)).toBeLessThanOrEqual(leaseTtlMs + LOAD_MS + slackMs);
    await annotate(
      `loads ${loads}; waiters done ${finishedMs.join(", ")} ms after the holder was killed (bound ${leaseTtlMs} + ${LOAD_MS} + ${slackMs} ms)`,
    );
  });
});

describe("guarantee 2: stampede", () => {
  afterAll(async () => {
    const redis = await connect();
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  });

  it("guarantee 2 (stampede): when the reply to a reader's lease comes too late (timeout), its load still fills under the lease: a reader on another connection gets that value without waiting out the lease TTL, with one load", async () => {
    const timeoutMs = 100;
    const leaseTtlMs = 2_000;
    const team: Team = { id: randomUUID(), name: "loaded" };
    let loads = 0;
    const source = { load: async () => (loads++, await sleep(50), structuredClone(team)) };
    const [late, other] = await Promise.all([connect(), connect()]);
    try {
      delayScriptReplies(late, 2 * timeoutMs);
      const taker = new Repository(teamEntity, { redis: late, source, keyPrefix: prefix, timeoutMs, leaseTtlMs });
      const reader = new Repository(teamEntity, { redis: other, source, keyPrefix: prefix, timeoutMs, leaseTtlMs });
      const taking = taker.get(team.id); // its lease script runs at once, the reply comes after timeoutMs
      await sleep(20);
      const started = Date.now();
      expect(await reader.get(team.id)).toEqual(team);
      const waitedMs = Date.now() - started;
      expect(await taking).toEqual(team);
      expect(loads).toBe(1);
      expect(reader.stats().leaseWaits).toBe(1);
      expect(waitedMs).toBeLessThan(leaseTtlMs / 2);
    } finally {
      late.disconnect();
      await other.quit();
    }
  });

  it("guarantee 2 (stampede): a load slower than leaseTtlMs keeps its lease while its holder lives: one load across two clients, and the value is cached", async () => {
    const leaseTtlMs = 600;
    const team: Team = { id: randomUUID(), name: "slow" };
    let loads = 0;
    const source = { load: async () => (loads++, await sleep(1_000), structuredClone(team)) };
    const [one, two] = await Promise.all([connect(), connect()]);
    try {
      const holder = new Repository(teamEntity, { redis: one, source, keyPrefix: prefix, leaseTtlMs });
      const waiter = new Repository(teamEntity, { redis: two, source, keyPrefix: prefix, leaseTtlMs });
      const holding = holder.get(team.id);
      await sleep(50);
      expect(await Promise.all([holding, waiter.get(team.id)])).toEqual([team, team]);
      expect(loads).toBe(1);
      expect(waiter.stats().leaseWaits).toBe(1);
      expect(await one.exists(holder.keyOf(team.id))).toBe(1);
    } finally {
      await Promise.all([one.quit(), two.quit()]);
    }
  });
});
