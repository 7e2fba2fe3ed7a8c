import { randomUUID } from "node:crypto";
import { Redis as Redis6 } from "ioredis6";
import { describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { TeamRepository, type Team } from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { encryptionKeys, makeUser, REDIS_PORT } from "../runtime/helpers.js";
import { invalidEntity } from "../support/decided-api.js";
import { sleep } from "../support/wait.js";
import { later, UserTable, WriteBehindUserRepository, writeBehindSuite, writeBehindUser } from "./fixtures.js";

const suite = writeBehindSuite("wb");
const { setup } = suite;

describe("write-behind: save and delete", () => {
  it("a resolved save is in Redis: served at once, without expiry while queued, counted by pending()", async () => {
    const { table, repo } = setup();
    const user = makeUser();
    await repo.save(user);
    expect(await repo.get(user.id)).toEqual(user);
    expect(table.loads).toBe(0);
    expect(await suite.redis.pttl(repo.keyOf(user.id))).toBe(-1);
    expect(await repo.pending()).toBe(1);
    expect(repo.stats()).toMatchObject({ queued: 1, flushed: 0 });
  });

  it("once the write lands, the row is in the source and the TTL applies to the value and its index entry", async () => {
    const { table, repo, start, keys } = setup();
    // With versionField, a save over nothing cached stays cached only when the source answers the row it kept.
    table.returnKept = true;
    const user = makeUser();
    await repo.save(user);
    const worker = start();
    await repo.flush(5_000);
    await worker.stop(); // its counters are final once it stopped
    expect(table.rows.get(user.id)).toEqual(user);
    expect(await repo.pending()).toBe(0);
    const { ttlMs, jitter } = writeBehindUser;
    const ttl = await suite.redis.pttl(repo.keyOf(user.id));
    expect(ttl).toBeGreaterThan(ttlMs * (1 - jitter) - 1_000);
    expect(ttl).toBeLessThanOrEqual(ttlMs);
    expect(await suite.redis.pttl(keys.indexKeyOfEntity("byEmail", user)!)).toBeGreaterThan(0);
    expect(await repo.get(user.id)).toEqual(user);
    expect(table.loads).toBe(0);
    expect(repo.stats()).toMatchObject({ queued: 1, flushed: 1, failed: 0 });
  });

  it("with versionField, a save older than the cached value changes nothing and is not queued", async () => {
    const { repo } = setup();
    const user = makeUser();
    await repo.save(later(user, 10, { name: "newer" }));
    await repo.save({ ...user, name: "older" });
    expect((await repo.get(user.id))?.name).toBe("newer");
    expect(await repo.pending()).toBe(1);
  });

  it("delete writes a tombstone: get answers null at once, the worker deletes the row", async () => {
    const { table, repo, start } = setup();
    const user = table.put(makeUser());
    expect(await repo.get(user.id)).toEqual(user);
    await repo.delete(user.id);
    expect(await repo.get(user.id)).toBeNull();
    expect(await suite.redis.pttl(repo.keyOf(user.id))).toBe(-1);
    start();
    await repo.flush(5_000);
    expect(table.rows.has(user.id)).toBe(false);
    expect(await repo.get(user.id)).toBeNull();
    // User declares negativeTtl: the tombstone stays as a not-found marker that long, no longer.
    const ttl = await suite.redis.pttl(repo.keyOf(user.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(writeBehindUser.negativeTtlMs!);
  });

  it("a value that fails the schema is refused before Redis is touched", async () => {
    const { repo } = setup();
    await expect(repo.save({ ...makeUser(), roles: "admin" } as never)).rejects.toMatchObject(
      invalidEntity({ entity: "User", path: "roles" }),
    );
    expect(await repo.pending()).toBe(0);
  });
});

describe("write-behind worker", () => {
  it("coalesces per key (the newest wins) and writes one saveMany batch", async () => {
    const { table, repo, start } = setup();
    const users = Array.from({ length: 10 }, () => makeUser());
    for (let round = 1; round <= 3; round++) {
      for (const user of users) await repo.save(later(user, round, { name: `round ${round}` }));
    }
    const worker = start();
    await repo.flush(5_000);
    await worker.stop();
    expect(table.batches).toEqual([10]);
    expect([...table.rows.values()].map((row) => row.name)).toEqual(Array(10).fill("round 3"));
    expect(repo.stats()).toMatchObject({ queued: 30, flushed: 30 });
  });

  it("a delete then a re-creation at an older version, coalesced in one batch, reach the source as delete then save", async () => {
    const { table, repo, start } = setup();
    const old = table.put(makeUser({ name: "old" }));
    await repo.delete(old.id);
    const recreated = later(old, -1_000, { name: "recreated" }); // the fenced table would refuse it over the old row
    await repo.save(recreated);
    const worker = start();
    await repo.flush(5_000);
    await worker.stop();
    expect(table.deletes).toBe(1);
    expect(table.rows.get(old.id)).toEqual(recreated);
    expect(repo.stats()).toMatchObject({ queued: 2, flushed: 2 });
  });

  it("a failed source write is retried with backoff until it lands", async () => {
    const { table, repo, events, start } = setup();
    const user = makeUser();
    await repo.save(user);
    table.failures = 2;
    const worker = start({ retryBaseMs: 50 });
    const started = Date.now();
    await repo.flush(5_000);
    await worker.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 100); // 50 ms, then 100 ms
    expect(table.rows.get(user.id)).toEqual(user);
    expect(events.of("write-failed")).toHaveLength(2);
    expect(repo.stats()).toMatchObject({ failed: 2, flushed: 1, deadLettered: 0 });
  });

  it("a failed batch is retried entity by entity, so one bad row does not hold back the others", async () => {
    const { table, repo, start } = setup();
    const users = Array.from({ length: 5 }, () => makeUser());
    for (const user of users) await repo.save(user);
    table.failures = 1; // fails the saveMany; each save then succeeds
    start();
    await repo.flush(5_000);
    expect(table.batches).toEqual([5]);
    expect(table.saves).toBe(5);
    expect(table.rows.size).toBe(5);
  });

  it("stop() finishes the batch in flight: source write and acknowledgement", async () => {
    const { table, repo, start } = setup();
    const user = makeUser();
    await repo.save(user);
    const held = table.holdNextWrite();
    const worker = start();
    await held.written;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await sleep(100);
    expect(stopped).toBe(false);
    held.release();
    await stopping;
    expect(table.rows.get(user.id)).toEqual(user);
    expect(await repo.pending()).toBe(0);
  });

  it("flush() rejects with a clear error when no worker drains the queue", async () => {
    const { repo } = setup();
    await repo.save(makeUser());
    await expect(repo.flush(100)).rejects.toThrow(
      /User: flush timed out after 100 ms with 1 write\(s\) still queued in .*; is a worker running \(startWorker\(\)\)\?/,
    );
  });

  it("what `invalidates` names is dropped again when the write lands (old and new Team), before flush() sees the queue empty", async () => {
    const teams = new Map<string, Team>();
    const oldTeam: Team = { id: randomUUID(), name: "old" };
    const newTeam: Team = { id: randomUUID(), name: "new" };
    teams.set(oldTeam.id, oldTeam).set(newTeam.id, newTeam);
    const { table, repo, start, keyPrefix } = setup();
    const teamRepo = new TeamRepository({
      redis: suite.redis,
      keyPrefix,
      source: { load: async ({ id }) => teams.get(id) ?? null },
    });
    const user = table.put(makeUser({ teamId: oldTeam.id }));
    await repo.get(user.id);
    await repo.save(later(user, 10, { teamId: newTeam.id }));
    await teamRepo.getMany([oldTeam.id, newTeam.id]); // reloaded while the write is queued
    expect(await suite.redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))).toBe(2);
    start();
    await repo.flush(5_000);
    // the worker drops them before it acknowledges the write: an empty queue means they are gone
    expect(await suite.redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))).toBe(0);
  });

  it("flush() resolves only after what the landed write invalidates is gone, even when dropping it is slow", async () => {
    const team: Team = { id: randomUUID(), name: "t" };
    // The repository's client, with every call naming the Team's id held back 300 ms (the worker's
    // own connection, which acknowledges, is a duplicate and not held); a timeout long enough that
    // nothing held times out.
    const slowTeamCalls = new Proxy(suite.redis, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== "callBuffer" || typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (args.some((a) => typeof a === "string" && a.includes(team.id))) await sleep(300);
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const keyPrefix = `${suite.prefix}${randomUUID()}:`;
    const repo = new WriteBehindUserRepository({
      redis: slowTeamCalls as unknown as RedisClient,
      source: new UserTable(),
      keyPrefix,
      encryptionKeys,
      timeoutMs: 5_000,
    });
    const teamRepo = new TeamRepository({ redis: suite.redis, keyPrefix, source: { load: async () => team } });
    await repo.save(makeUser({ teamId: team.id }));
    await teamRepo.get(team.id);
    expect(await suite.redis.exists(teamRepo.keyOf(team.id))).toBe(1);
    const worker = repo.startWorker({ pollMs: 50 });
    try {
      await repo.flush(10_000);
      expect(await suite.redis.exists(teamRepo.keyOf(team.id))).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("works on an ioredis 6 client (RESP3)", async () => {
    const client = new Redis6({ host: "127.0.0.1", port: REDIS_PORT, lazyConnect: true });
    await client.connect();
    try {
      const { table, repo, start } = setup(client as unknown as RedisClient);
      const users = Array.from({ length: 3 }, () => makeUser());
      for (const user of users) await repo.save(user);
      const worker = start();
      await repo.flush(5_000);
      await worker.stop();
      expect(table.rows.size).toBe(3);
      expect(await repo.get(users[0]!.id)).toEqual(users[0]);
    } finally {
      await client.quit();
    }
  });
});
