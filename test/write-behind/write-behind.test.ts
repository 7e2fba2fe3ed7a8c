import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, Repository, type RedisClient, type WriteBehindWorker } from "cachegen/runtime";
import { KeySpace } from "../../src/runtime/keys.js";
import { TeamRepository, type Team } from "../runtime/fixtures/team.js";
import type { User } from "../runtime/fixtures/user.js";
import { collectEvents, connect, encryptionKeys, makeUser, REDIS_PORT, uniquePrefix } from "../runtime/helpers.js";
import { sleep, until } from "../support/wait.js";
import { UserTable, WriteBehindUserRepository, writeBehindUser } from "./fixtures.js";

let redis: Redis;
const prefix = uniquePrefix("wb");
const workers: WriteBehindWorker[] = [];

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

/** A repository under its own prefix (its own queue), over a fresh table. */
function setup(client: RedisClient = redis) {
  const table = new UserTable();
  const events = collectEvents();
  const keyPrefix = `${prefix}${randomUUID()}:`;
  const repo = new WriteBehindUserRepository({ redis: client, source: table, keyPrefix, encryptionKeys, onEvent: events.onEvent });
  const start = (options = {}) => {
    const worker = repo.startWorker({ pollMs: 50, retryBaseMs: 20, ...options });
    workers.push(worker);
    return worker;
  };
  /** The repository's key layout, for keys its API does not name (index entries). */
  const keys = new KeySpace(writeBehindUser, keyPrefix);
  return { table, repo, events, start, keyPrefix, keys };
}

const later = (user: User, ms: number, changes: Partial<User> = {}): User => ({ ...user, ...changes, updatedAt: new Date(user.updatedAt.getTime() + ms) });

describe("write-behind: save and delete", () => {
  it("a resolved save is in Redis: served at once, without expiry while queued, counted by pending()", async () => {
    const { table, repo } = setup();
    const user = makeUser();
    await repo.save(user);
    expect(await repo.get(user.id)).toEqual(user);
    expect(table.loads).toBe(0);
    expect(await redis.pttl(repo.keyOf(user.id))).toBe(-1);
    expect(await repo.pending()).toBe(1);
    expect(repo.stats()).toMatchObject({ queued: 1, flushed: 0 });
  });

  it("once the write lands, the row is in the source and the TTL applies to the value and its index entry", async () => {
    const { table, repo, start, keys } = setup();
    const user = makeUser();
    await repo.save(user);
    const worker = start();
    await repo.flush(5_000);
    await worker.stop(); // its counters are final once it stopped
    expect(table.rows.get(user.id)).toEqual(user);
    expect(await repo.pending()).toBe(0);
    const { ttlMs, jitter } = writeBehindUser;
    const ttl = await redis.pttl(repo.keyOf(user.id));
    expect(ttl).toBeGreaterThan(ttlMs * (1 - jitter) - 1_000);
    expect(ttl).toBeLessThanOrEqual(ttlMs);
    expect(await redis.pttl(keys.indexKeyOfEntity("byEmail", user)!)).toBeGreaterThan(0);
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
    expect(await redis.pttl(repo.keyOf(user.id))).toBe(-1);
    start();
    await repo.flush(5_000);
    expect(table.rows.has(user.id)).toBe(false);
    expect(await repo.get(user.id)).toBeNull();
    // User declares negativeTtl: the tombstone stays as a not-found marker that long, no longer.
    const ttl = await redis.pttl(repo.keyOf(user.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(writeBehindUser.negativeTtlMs!);
  });

  it("a value that fails the schema is refused before Redis is touched", async () => {
    const { repo } = setup();
    await expect(repo.save({ ...makeUser(), roles: "admin" } as never)).rejects.toThrow(/User: save not queued: the value does not match the User schema/);
    expect(await repo.pending()).toBe(0);
  });
});

describe("guarantee 4: a key with a write queued is never expired or served from the source", () => {
  it("refresh, a fill under a lease, invalidate and invalidateTag all keep the queued value", async () => {
    const { table, repo } = setup();
    const row = table.put(makeUser({ name: "row" }));
    const queued = later(row, 10, { name: "queued" });
    await repo.save(queued);

    expect(await repo.refresh(row.id)).toEqual(queued);
    // The base refresh takes a lease and loads the row: its fill must not replace the queued value.
    expect((await Repository.prototype.refresh.call(repo, row.id))?.name).toBe("row");
    await repo.invalidate(row.id);
    await repo.invalidateTeam(row.teamId);
    expect(await redis.pttl(repo.keyOf(row.id))).toBe(-1);
    expect(await repo.get(row.id)).toEqual(queued);
    expect(table.loads).toBe(1); // only the base refresh above
  });

  it("getBy<Index> of the old indexed value finds nothing, although the source still has that row", async () => {
    const { table, repo } = setup();
    const row = table.put(makeUser({ email: "before@example.com" }));
    expect((await repo.getByEmail("before@example.com"))?.id).toBe(row.id);
    await repo.save(later(row, 10, { email: "after@example.com" }));
    expect(await repo.getByEmail("before@example.com")).toBeNull();
    expect((await repo.getByEmail("after@example.com"))?.email).toBe("after@example.com");
    await repo.delete(row.id);
    expect(await repo.getByEmail("after@example.com")).toBeNull();
  });

  it("a key saved again while its first write is in flight keeps no expiry until the second write lands", async () => {
    const { table, repo, start } = setup();
    const user = makeUser({ name: "first" });
    await repo.save(user);
    const first = table.holdNextWrite();
    start();
    await first.written; // the worker holds the first write
    await repo.save(later(user, 10, { name: "second" }));
    const second = table.holdNextWrite(); // and will hold the second
    first.release();
    await until(async () => table.rows.get(user.id)?.name === "first" && (await repo.pending()) === 1, 5_000);
    expect(await redis.pttl(repo.keyOf(user.id))).toBe(-1);
    second.release();
    await repo.flush(5_000);
    expect(table.rows.get(user.id)?.name).toBe("second");
    expect(await redis.pttl(repo.keyOf(user.id))).toBeGreaterThan(0);
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
    await expect(repo.flush(100)).rejects.toThrow(/User: flush timed out after 100 ms with 1 write\(s\) still queued in .*; is a worker running \(startWorker\(\)\)\?/);
  });

  it("what `invalidates` names is dropped again when the write lands (old and new Team)", async () => {
    const teams = new Map<string, Team>();
    const oldTeam: Team = { id: randomUUID(), name: "old", memberCount: 1 };
    const newTeam: Team = { id: randomUUID(), name: "new", memberCount: 1 };
    teams.set(oldTeam.id, oldTeam).set(newTeam.id, newTeam);
    const { table, repo, start, keyPrefix } = setup();
    const teamRepo = new TeamRepository({ redis, keyPrefix, source: { load: async ({ id }) => teams.get(id) ?? null } });
    const user = table.put(makeUser({ teamId: oldTeam.id }));
    await repo.get(user.id);
    await repo.save(later(user, 10, { teamId: newTeam.id }));
    await teamRepo.getMany([oldTeam.id, newTeam.id]); // reloaded while the write is queued
    expect(await redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))).toBe(2);
    start();
    await repo.flush(5_000);
    await until(async () => (await redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))) === 0, 2_000);
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
