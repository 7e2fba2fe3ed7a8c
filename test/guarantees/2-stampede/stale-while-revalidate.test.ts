// Stale-while-revalidate across processes (two child processes, one Redis): exactly one refresh runs.
// In one process, and negative caching: test/runtime/read-path.test.ts.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, Repository } from "cachegen/runtime";
import { connect, REDIS_PORT, uniquePrefix } from "../../runtime/helpers.js";
import { Children } from "../../support/child-process.js";
import { sleep, until } from "../../support/wait.js";
import {
  loadedTeam,
  teamDefinition,
  teamReaderProgram,
  type FromReader,
  type FromTest,
  type TeamReaderInput,
} from "../children/team-reader-protocol.js";

const TTL_MS = 100;
const LOAD_MS = 300;
const GETS_PER_PROCESS = 5;

let redis: Redis;
const prefix = uniquePrefix("swr");
const readers = new Children<FromTest, FromReader>(teamReaderProgram);

beforeAll(async () => {
  redis = await connect();
});

afterEach(() => readers.killAll());

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

describe("stale-while-revalidate", () => {
  it("stale-while-revalidate: two processes serve a stale value at once while exactly one refresh runs", async ({
    annotate,
  }) => {
    const id = randomUUID();
    const input: TeamReaderInput = {
      redisPort: REDIS_PORT,
      keyPrefix: prefix,
      loadCounterKey: `${prefix}loads:${id}`,
      id,
      concurrentGets: 1,
      rounds: GETS_PER_PROCESS,
      loadMs: LOAD_MS,
      hangInLoad: false,
      leaseTtlMs: 5_000,
      timeoutMs: 2_000,
      ttlMs: TTL_MS,
      staleWhileRevalidateMs: 60_000,
    };
    const processes = [readers.start(input), readers.start(input)];
    await Promise.all(processes.map((p) => p.next("ready")));

    // An earlier deployment cached "load 0"; it is stale TTL_MS later, still within the window.
    const filler = new Repository(teamDefinition(input), {
      redis,
      keyPrefix: prefix,
      source: { load: async () => loadedTeam(id, 0) },
    });
    await filler.get(id);
    await sleep(TTL_MS + 20);

    for (const p of processes) p.send({ type: "go" });
    const reports = await Promise.all(processes.map((p) => p.next("done")));
    for (const report of reports) {
      expect(report.names).toEqual(["load 0"]); // the stale value, every time ...
      expect(report.slowestGetMs).toBeLessThan(LOAD_MS / 3); // ... at once, not after the refresh's load
      expect(report.stats.staleHits).toBe(GETS_PER_PROCESS);
    }

    const refreshed = loadedTeam(id, 1).name; // "load 1", as text in any stored form
    await until(async () => (await redis.get(filler.keyOf(id)))?.includes(refreshed) ?? false, 3 * LOAD_MS);
    await sleep(LOAD_MS); // a second refresh, if one had started, would have loaded by now
    expect(Number(await redis.get(input.loadCounterKey))).toBe(1);
    expect(reports.reduce((loads, r) => loads + r.stats.loads, 0)).toBe(1);
    await annotate(
      `slowest stale get ${Math.max(...reports.map((r) => r.slowestGetMs)).toFixed(1)} ms (refresh load ${LOAD_MS} ms); loads ${await redis.get(input.loadCounterKey)}`,
    );
  });
});
