// Guarantee 3 with a Redis that hangs behind a TCP proxy (connections accepted, nothing answered).
// Redis killed, restarted, stopped (SIGSTOP), not ready, and answering OOM: redis-down.test.ts.
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Repository, type CacheEvent } from "cachegen/runtime";
import {
  teamEntity,
  type Team,
  type TeamSource,
} from "../../fixtures/valid/full-featured-read-through/expected/team.js";
import { collectEvents, recordCommands } from "../../runtime/helpers.js";
import { MAX_IN_FLIGHT } from "../../../src/runtime/lane.js";
import { SpawnedRedis } from "../../support/redis-server.js";
import { timeWithStalls } from "../../support/stalls.js";
import { TcpProxy } from "../../support/tcp-proxy.js";
import { sleep, until } from "../../support/wait.js";

const TIMEOUT_MS = 50;
const LOAD_MS = 20;
const COOLDOWN_MS = 250;
const FAILURE_THRESHOLD = 3;
/**
 * Allowed on top of a bound: a few ms, plus however long this process was stalled during the call
 * (measured; other test files and child processes share 2 cores, and a stall delays the guard's
 * timeout timer exactly as much).
 */
const SLACK_MS = 5;

let server: SpawnedRedis;
let proxy: TcpProxy;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await SpawnedRedis.start();
  proxy = await TcpProxy.start(server.port);
});

afterEach(() => {
  proxy.resume();
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await proxy.close();
  await server.stop();
});

/** An application's client, through the proxy, with ioredis defaults. */
function clientThroughProxy(): Redis {
  const client = new Redis({ host: "127.0.0.1", port: proxy.port });
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

/** The source: every load takes about LOAD_MS and returns `team`; `loadMs` adds up the time loads took. */
class SlowSource implements TeamSource {
  loads = 0;
  loadMs = 0;

  constructor(private readonly team: Team) {}

  async load(): Promise<Team> {
    const started = performance.now();
    this.loads += 1;
    await sleep(LOAD_MS);
    this.loadMs += performance.now() - started;
    return structuredClone(this.team);
  }
}

interface TimedGet {
  readonly value: Team | null;
  readonly ms: number;
  /** The call's time outside the source: what Redis (or skipping it) cost. */
  readonly redisMs: number;
  /** The process's longest stall during the call. */
  readonly stallMs: number;
}

interface GetWhileHanging extends TimedGet {
  /** Whether the breaker was open (or half-open) when the call started. */
  readonly breakerOpen: boolean;
  /** Whether this call was the breaker's probe (it went to Redis although the breaker was open). */
  readonly probe: boolean;
}

/** A repository on `redis` with a small timeout and breaker, and a `get` that times each call. */
function timedRepository(redis: Redis, source: SlowSource, onEvent: (event: CacheEvent) => void = () => undefined) {
  const repository = new Repository(teamEntity, {
    redis,
    source,
    keyPrefix: "cgtest:g3:",
    timeoutMs: TIMEOUT_MS,
    breaker: { failureThreshold: FAILURE_THRESHOLD, cooldownMs: COOLDOWN_MS },
    onEvent,
  });
  const timedGet = async (id: string): Promise<TimedGet> => {
    const loadMsBefore = source.loadMs;
    const { value, ms, stallMs } = await timeWithStalls(() => repository.get(id));
    return { value, ms, stallMs, redisMs: ms - (source.loadMs - loadMsBefore) };
  };
  return { repository, timedGet };
}

const slowest = (calls: readonly TimedGet[], part: "ms" | "redisMs" | "stallMs"): number =>
  Math.max(...calls.map((call) => call[part]));

/** The calls whose Redis part took longer than `boundMs` + SLACK_MS + their stall, described for the failure message. */
function overBound(calls: readonly TimedGet[], boundMs: number): string[] {
  return calls
    .filter((call) => call.redisMs > boundMs + SLACK_MS + call.stallMs)
    .map((call) => `${call.redisMs.toFixed(1)} ms (stalled ${call.stallMs.toFixed(1)} ms)`);
}

describe("guarantee 3: fail-open with Redis hanging behind a proxy", () => {
  it("guarantee 3 (fail-open): with Redis hanging behind a proxy, gets return the source's value within timeoutMs + load time, the breaker then skips Redis, and hits resume when it answers again", async ({
    annotate,
  }) => {
    const redis = clientThroughProxy();
    await until(() => redis.status === "ready", 5000);
    const team: Team = { id: randomUUID(), name: "from the source" };
    const source = new SlowSource(team);
    const events = collectEvents();
    let breaker: "closed" | "open" | "half-open" = "closed";
    let probes = 0;
    const { repository, timedGet } = timedRepository(redis, source, (event) => {
      events.onEvent(event);
      switch (event.type) {
        case "breaker-open":
          breaker = "open";
          break;
        case "breaker-half-open":
          breaker = "half-open";
          probes += 1;
          break;
        case "breaker-closed":
          breaker = "closed";
          break;
      }
    });
    await repository.get(team.id); // miss, fill
    expect(await repository.get(team.id)).toEqual(team);
    expect(repository.stats().hits).toBe(1);

    proxy.hang();
    const calls: GetWhileHanging[] = [];
    const hangStarted = performance.now();
    while (performance.now() - hangStarted < 4 * COOLDOWN_MS) {
      const breakerOpen = breaker !== "closed";
      const probesBefore = probes;
      const call = await timedGet(team.id);
      calls.push({ ...call, breakerOpen, probe: probes > probesBefore });
    }

    for (const call of calls) expect(call.value).toEqual(team); // never a rejection, never a wrong value
    const [first, rest] = [calls.slice(0, FAILURE_THRESHOLD), calls.slice(FAILURE_THRESHOLD)];
    // Until the breaker opens, each get waits for one GET that times out (timeoutMs), then loads.
    expect(first.every((call) => !call.breakerOpen)).toBe(true);
    expect(Math.min(...first.map((call) => call.redisMs))).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    expect(overBound(first, TIMEOUT_MS)).toEqual([]);
    // Then Redis is skipped (no wait at all), except the half-open probes (one timeout each).
    expect(rest.every((call) => call.breakerOpen)).toBe(true);
    expect(overBound(rest, TIMEOUT_MS)).toEqual([]);
    const [probed, skipped] = [rest.filter((call) => call.probe), rest.filter((call) => !call.probe)];
    expect(overBound(skipped, 0)).toEqual([]);
    expect(probed.length).toBeGreaterThanOrEqual(2); // each timed out and opened the breaker again
    expect(repository.stats()).toMatchObject({
      breakerOpens: 1 + probed.length,
      redisErrors: FAILURE_THRESHOLD + probed.length,
    });
    expect(source.loads).toBe(1 + calls.length);

    proxy.resume(); // the same client and repository: no restart
    const resumed = performance.now();
    await until(
      async () => {
        await repository.get(team.id);
        return repository.stats().hits > 1;
      },
      5000,
      20,
    );
    const recoveredMs = performance.now() - resumed;
    expect(breaker).toBe("closed");
    expect(events.of("breaker-open")).toHaveLength(1 + probed.length);
    expect(events.of("breaker-half-open")).toHaveLength(probed.length + 1); // the last probe succeeded
    expect(events.of("breaker-closed")).toHaveLength(1);
    expect(recoveredMs).toBeLessThanOrEqual(COOLDOWN_MS + 2 * LOAD_MS + 100);

    await annotate(
      `${calls.length} gets while hanging (timeoutMs ${TIMEOUT_MS}, load ${LOAD_MS} ms): slowest call before the breaker opened ${slowest(first, "ms").toFixed(1)} ms ` +
        `(Redis part ${slowest(first, "redisMs").toFixed(1)} ms); once open ${slowest(skipped, "ms").toFixed(1)} ms (Redis part ${slowest(skipped, "redisMs").toFixed(1)} ms), ` +
        `probes ${slowest(probed, "ms").toFixed(1)} ms; longest stall of the test process ${slowest(calls, "stallMs").toFixed(1)} ms; hits back ${recoveredMs.toFixed(0)} ms after the proxy resumed`,
    );
  });

  it("guarantee 3 (fail-open): a burst while Redis hangs sends it no more than the client's window of calls (and one per timeout until the breaker opens); the calls waiting behind are skipped once the breaker opens, and every get answers from the source", async () => {
    const redis = clientThroughProxy();
    await until(() => redis.status === "ready", 5000);
    const repository = new Repository(teamEntity, {
      redis,
      source: { load: async ({ id }) => ({ id, name: "from the source" }) },
      keyPrefix: "cgtest:g3:",
      timeoutMs: TIMEOUT_MS,
      breaker: { failureThreshold: FAILURE_THRESHOLD, cooldownMs: COOLDOWN_MS },
    });
    const commands = recordCommands(redis);
    proxy.hang();
    // 40 MGETs: 20 getMany of 600 distinct keys, each read as two MGETs of its own.
    const bursts = Array.from({ length: 20 }, () => Array.from({ length: 600 }, () => randomUUID()));
    const results = await Promise.all(bursts.map((ids) => repository.getMany(ids)));
    expect(results.flat()).toHaveLength(20 * 600);
    expect(results.flat().every((value) => value?.name === "from the source")).toBe(true);
    const sent = commands.names.filter((name) => name === "mget").length;
    expect(sent).toBeGreaterThan(0);
    // The window, and one more call each time a timeout made room, until the breaker opened.
    expect(sent).toBeLessThanOrEqual(MAX_IN_FLIGHT + FAILURE_THRESHOLD - 1);
  });

  it("guarantee 3 (fail-open): a client connecting while Redis hangs is never ready: the first get waits timeoutMs for it, later gets skip Redis for the cool-down; it becomes ready and serves hits when Redis answers", async () => {
    proxy.hang();
    const redis = clientThroughProxy(); // the TCP connection is accepted; the ready check is never answered
    const team: Team = { id: randomUUID(), name: "from the source" };
    const { repository, timedGet } = timedRepository(redis, new SlowSource(team));
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(await timedGet(team.id));
    for (const call of calls) expect(call.value).toEqual(team);
    expect(overBound(calls, TIMEOUT_MS)).toEqual([]); // each waited at most timeoutMs for the client
    expect(overBound(calls.slice(1), 0)).toEqual([]); // after the first gave up, Redis is skipped at once
    expect(redis.status).not.toBe("ready");
    expect(repository.stats().breakerOpens).toBe(0); // a client never ready does not trip the breaker

    proxy.resume();
    await until(() => redis.status === "ready", 5000);
    await repository.get(team.id); // miss, fill
    expect(await repository.get(team.id)).toEqual(team);
    expect(repository.stats().hits).toBe(1);
  });
});
