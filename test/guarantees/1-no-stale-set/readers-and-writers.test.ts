// Guarantee 1 under load, as issue 3 words it. The forced interleaving (reader loads v1, writer
// commits v2 and invalidates, reader fills): fill-races-write.test.ts.
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, Repository } from "cachegen/runtime";
import {
  teamEntity,
  type Team,
  type TeamKey,
  type TeamSource,
} from "../../fixtures/valid/full-featured-read-through/expected/team.js";
import { collectEvents, connect, uniquePrefix } from "../../runtime/helpers.js";
import { sleep } from "../../support/wait.js";

const KEYS = 50;
const READERS = 8;
const WRITERS = 2;
const OPERATIONS = 10_000;

let clients: Redis[];
const prefix = uniquePrefix("g1");

beforeAll(async () => {
  clients = await Promise.all(Array.from({ length: 4 }, () => connect()));
});

afterAll(async () => {
  await deleteByPrefix(clients[0]!, prefix);
  await Promise.all(clients.map((c) => c.quit()));
});

/** The database: a load reads the row, then takes 0-3 ms to return it (so it may be stale by then). */
class TeamTable implements TeamSource {
  readonly rows = new Map<string, Team>();

  async load({ id }: TeamKey): Promise<Team | null> {
    const row = this.rows.get(id);
    await sleep(Math.random() * 3);
    return row ? structuredClone(row) : null;
  }

  async save(team: Team): Promise<void> {
    await sleep(Math.random() * 2);
    this.rows.set(team.id, structuredClone(team));
  }
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

describe("guarantee 1: no stale set", () => {
  it("guarantee 1 (no stale set): 8 readers and 2 writers, 10 000 operations over 50 keys with random source latency: after quiescence no cached value differs from the source", async ({
    annotate,
  }) => {
    const table = new TeamTable();
    const ids = Array.from({ length: KEYS }, () => {
      const team: Team = { id: randomUUID(), name: "v0" };
      table.rows.set(team.id, team);
      return team.id;
    });
    const events = collectEvents();
    // One repository per connection, like separate processes.
    const repositories = clients.map(
      (redis) => new Repository(teamEntity, { redis, source: table, keyPrefix: prefix, onEvent: events.onEvent }),
    );
    // The workers share one budget of operations, so readers and writers run until the same end.
    let budget = OPERATIONS;
    let reads = 0;
    let writes = 0;
    const readers = Array.from({ length: READERS }, async () => {
      while (budget-- > 0) {
        reads += 1;
        await pick(repositories).get(pick(ids));
      }
    });
    const writers = Array.from({ length: WRITERS }, async () => {
      while (budget-- > 0) {
        writes += 1;
        const id = pick(ids);
        await pick(repositories).save({ ...table.rows.get(id)!, name: `v${writes}` });
      }
    });
    const started = Date.now();
    await Promise.all([...readers, ...writers]);
    const wallMs = Date.now() - started;

    const reader = repositories[0]!;
    let cached = 0;
    const divergent: string[] = [];
    for (const id of ids) {
      if ((await clients[0]!.exists(reader.keyOf(id))) === 0) continue;
      cached += 1;
      if (!isDeepStrictEqual(await reader.get(id), table.rows.get(id))) divergent.push(id);
    }
    const fillsRejected = events.of("fill-rejected").length;
    await annotate(
      `${divergent.length} divergent of ${cached} cached keys; ${fillsRejected} fills rejected (revoked leases); ${reads} reads and ${writes} writes in ${wallMs} ms`,
    );
    expect(fillsRejected).toBeGreaterThan(0); // the run did race fills against writes
    expect(cached).toBeGreaterThan(0);
    expect(divergent).toEqual([]);
  });
});
