// Issue 13's must-show figures: one entity's keys and its read load spread over every master.
import { describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { UserRepository } from "../runtime/fixtures/user.js";
import { encryptionKeys, makeUser, UserStoreWithMany } from "../runtime/helpers.js";
import { useSpawnedCluster } from "../support/use-spawned-cluster.js";

const ENTRIES = 10_000;
const spawned = useSpawnedCluster();

/** Calls of the commands a read sends (GET, MGET, EVALSHA), from INFO commandstats. */
function readCalls(info: string): number {
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(get|mget|evalsha|eval):calls=(\d+)/gm)) calls += Number(match[2]);
  return calls;
}

describe("cluster spread (issue 13)", () => {
  it(`${ENTRIES} entries of one entity with an index: each master holds 25-42% of the keys and serves >= 25% of a uniform read workload`, async () => {
    const source = new UserStoreWithMany();
    const users = Array.from({ length: ENTRIES }, () => source.put(makeUser()));
    const errors: string[] = [];
    const repo = new UserRepository({
      redis: spawned.client as RedisClient,
      source,
      keyPrefix: "spread",
      timeoutMs: 2_000, // spread, not latency, is measured here (the machine may be busy)
      encryptionKeys,
      onEvent: (event) => {
        if (event.type === "redis-error") errors.push(String((event.error as Error)?.message));
      },
    });
    for (let i = 0; i < users.length; i += 500) await repo.getMany(users.slice(i, i + 500).map((u) => u.id));
    await Promise.all(users.slice(0, 2_000).map((u) => repo.getByEmail(u.email))); // index entries too

    const keys = await spawned.cluster.perMaster((node) => node.dbsize());
    const total = keys.reduce((sum, { value }) => sum + value, 0);
    const keyShares = keys.map(({ value }) => value / total);

    await spawned.cluster.perMaster((node) => node.call("CONFIG", "RESETSTAT"));
    const reads = 20_000;
    for (let i = 0; i < reads; i += 200) {
      await Promise.all(
        Array.from({ length: 200 }, () => repo.get(users[Math.floor(Math.random() * users.length)]!.id)),
      );
    }
    const commands = await spawned.cluster.perMaster(async (node) =>
      readCalls(String(await node.call("INFO", "commandstats"))),
    );
    const served = commands.reduce((sum, { value }) => sum + value, 0);
    const commandShares = commands.map(({ value }) => value / served);
    console.log(
      `[cluster spread] ${ENTRIES} User entries (index byEmail, tag team): ${total} keys; per master ${keys
        .map(({ port, value }, i) => `${port}: ${value} (${(keyShares[i]! * 100).toFixed(1)}%)`)
        .join(", ")}; uniform reads (${reads} gets): read commands per master ${commands
        .map(({ port, value }, i) => `${port}: ${value} (${(commandShares[i]! * 100).toFixed(1)}%)`)
        .join(", ")}`,
    );
    console.log(`[cluster spread] errors ${errors.length}: ${errors.slice(0, 3).join(" / ")}`);
    expect(total).toBeGreaterThan(2 * ENTRIES);
    for (const share of keyShares) {
      expect(share).toBeGreaterThanOrEqual(0.25);
      expect(share).toBeLessThanOrEqual(0.42);
    }
    for (const share of commandShares) expect(share).toBeGreaterThanOrEqual(0.25);
    expect(errors.slice(0, 5)).toEqual([]);
    expect(repo.stats().redisErrors).toBe(0);
  }, 120_000);
});
