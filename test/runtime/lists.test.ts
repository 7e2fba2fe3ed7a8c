// Lists (non-unique lookups, SPEC §3 `lists:`): listBy<List> caches the members' keys, reads their
// values as entries, never returns a member whose list fields no longer match, and is dropped by
// every write of a member (old and new field values), for every strategy.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteByPrefix,
  InvalidKeyError,
  WriteBehindRepository,
  type EntityDefinition,
  type RepositoryOptions,
  type WriteBehindSource,
} from "cachegen/runtime";
import type { User, UserKey } from "./fixtures/user.js";
import { collectEvents, connect, encryptionKeys, makeUser, recordCommands, uniquePrefix } from "./helpers.js";
import { KeySpace } from "../../src/runtime/key-space.js";
import { TEAM_A, TEAM_B, TeamListRepo, TeamStore, usersWithTeamList } from "./list-fixtures.js";
import { sleep, until } from "../support/wait.js";

let redis: Redis;
const prefix = uniquePrefix("lists");

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

function setup(definition: EntityDefinition<User, UserKey> = usersWithTeamList()) {
  const source = new TeamStore();
  const events = collectEvents();
  const keyPrefix = `${prefix}${Math.random().toString(36).slice(2)}:`;
  const repo = new TeamListRepo(definition, {
    redis,
    source,
    keyPrefix,
    encryptionKeys,
    onEvent: events.onEvent,
  });
  return { source, events, repo, keys: new KeySpace(definition, keyPrefix) };
}

const names = (users: readonly User[]) => users.map((u) => u.name).sort();

describe("listBy<List>", () => {
  it("a list load slower than leaseTtlMs keeps its lease while it runs: a reader on another client waits for its fill (one load)", async () => {
    const definition = usersWithTeamList();
    const source = new TeamStore();
    source.put(makeUser({ name: "a1", teamId: TEAM_A }));
    const keyPrefix = `${prefix}${Math.random().toString(36).slice(2)}:`;
    const other = await connect();
    try {
      const options = { source, keyPrefix, encryptionKeys, leaseTtlMs: 600 };
      const holder = new TeamListRepo(definition, { ...options, redis });
      const waiter = new TeamListRepo(definition, { ...options, redis: other });
      const held = source.holdNextList();
      const holding = holder.listByTeam(TEAM_A);
      await held.loaded;
      const waiting = waiter.listByTeam(TEAM_A);
      await sleep(1_000);
      held.release();
      expect(names(await holding)).toEqual(["a1"]);
      expect(names(await waiting)).toEqual(["a1"]);
      expect(source.listLoads).toBe(1);
    } finally {
      await other.quit();
    }
  });

  it("caches the members' keys: a second read loads neither the list nor its members", async () => {
    const { source, repo } = setup();
    source.put(makeUser({ name: "a1", teamId: TEAM_A }));
    source.put(makeUser({ name: "a2", teamId: TEAM_A }));
    source.put(makeUser({ name: "b1", teamId: TEAM_B }));

    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1", "a2"]);
    expect(source.listLoads).toBe(1);
    // members were not loaded under their own leases: the first cached read fills them (one loadMany)
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1", "a2"]);
    expect(source.loadManyCalls).toBe(1);
    const loads = source.loads;
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1", "a2"]);
    expect(source.listLoads).toBe(1);
    expect(source.loads).toBe(loads);
    expect(await repo.listByTeam(TEAM_B)).toHaveLength(1);
    expect(await repo.listByTeam("0b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1eff")).toEqual([]);
  });

  it("a cached list costs two round trips: the list (one script) and its members (one MGET)", async () => {
    const { source, repo } = setup();
    for (const name of ["a1", "a2", "a3"]) source.put(makeUser({ name, teamId: TEAM_A }));
    await repo.listByTeam(TEAM_A);
    await repo.listByTeam(TEAM_A); // members filled
    const commands = recordCommands(redis);
    expect(await repo.listByTeam(TEAM_A)).toHaveLength(3);
    expect(commands.names).toEqual(["evalsha", "mget"]);
  });

  it("never returns a member whose list field no longer matches, and reloads the list", async () => {
    const { source, repo } = setup();
    const moved = source.put(makeUser({ name: "moved", teamId: TEAM_A }));
    source.put(makeUser({ name: "stays", teamId: TEAM_A }));
    await repo.listByTeam(TEAM_A);
    // The member moved without the cache being told (the list was not dropped); its entry expired.
    source.put({ ...moved, teamId: TEAM_B });
    await redis.del(repo.keyOf(moved.id));

    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["stays"]);
    expect(source.listLoads).toBe(2);
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["stays"]);
    expect(source.listLoads).toBe(2);
  });

  it("a save (read-through) drops the lists of the member's old and new field values", async () => {
    const { source, repo } = setup();
    const mover = source.put(makeUser({ name: "mover", teamId: TEAM_A }));
    source.put(makeUser({ name: "b1", teamId: TEAM_B }));
    await repo.get(mover.id); // the old value is cached: its list is known
    await Promise.all([repo.listByTeam(TEAM_A), repo.listByTeam(TEAM_B)]);
    await repo.save({ ...mover, teamId: TEAM_B, updatedAt: new Date(mover.updatedAt.getTime() + 1) });

    expect(await repo.listByTeam(TEAM_A)).toEqual([]);
    expect(names(await repo.listByTeam(TEAM_B))).toEqual(["b1", "mover"]);
    expect(source.listLoads).toBe(4);
  });

  it("a new member joins a cached list at once (its new value's list is dropped)", async () => {
    const { source, repo } = setup();
    source.put(makeUser({ name: "a1", teamId: TEAM_A }));
    await repo.listByTeam(TEAM_A);
    await repo.save(makeUser({ name: "a2", teamId: TEAM_A }));
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1", "a2"]);
  });

  it("delete and invalidate(key) drop the lists the entity is in", async () => {
    const { source, repo } = setup();
    const gone = source.put(makeUser({ name: "gone", teamId: TEAM_A }));
    const other = source.put(makeUser({ name: "other", teamId: TEAM_B }));
    await Promise.all([repo.get(gone.id), repo.get(other.id)]);
    await Promise.all([repo.listByTeam(TEAM_A), repo.listByTeam(TEAM_B)]);
    await repo.delete(gone.id);
    expect(await repo.listByTeam(TEAM_A)).toEqual([]);

    source.rows.set(other.id, { ...other, teamId: TEAM_A }); // changed outside the cache ...
    await repo.invalidate(other.id); // ... and the app says so
    expect(source.listLoads).toBe(3);
    expect(await repo.listByTeam(TEAM_B)).toEqual([]);
    expect(source.listLoads).toBe(4);
  });

  it("a list longer than maxItems is served from the source, not cached (event list-too-large)", async () => {
    const { source, repo, events } = setup(usersWithTeamList({}, 2));
    for (const name of ["a1", "a2", "a3"]) source.put(makeUser({ name, teamId: TEAM_A }));
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1", "a2", "a3"]);
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1", "a2", "a3"]);
    expect(source.listLoads).toBe(2);
    expect(events.of("list-too-large")).toHaveLength(2);
    expect(events.of("list-too-large")[0]).toMatchObject({ detail: expect.stringContaining("maxItems (2)") });
  });

  it("a list key holding something else (untrusted cache) is dropped and loaded again at once", async () => {
    const { source, repo, events, keys } = setup();
    source.put(makeUser({ name: "a1", teamId: TEAM_A }));
    await repo.listByTeam(TEAM_A);
    const listKey = keys.listKey("byTeam", [TEAM_A]);
    expect(await redis.exists(listKey)).toBe(1);
    await redis.set(listKey, "garbage", "PX", 60_000);
    const started = Date.now();
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1"]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(events.of("invalid-value").map((e) => e.key)).toEqual([listKey]);
    expect(await redis.get(listKey)).toMatch(/^M\|/);
  });

  it("coalesces concurrent reads of one list in a process", async () => {
    const { source, repo } = setup();
    source.put(makeUser({ name: "a1", teamId: TEAM_A }));
    const lists = await Promise.all(Array.from({ length: 10 }, () => repo.listByTeam(TEAM_A)));
    expect(lists.every((l) => l.length === 1)).toBe(true);
    expect(source.listLoads).toBe(1);
  });

  it("rejects a list value that does not fit its field with InvalidKeyError, before the source", async () => {
    const { source, repo } = setup();
    await expect(repo.listByTeam("not-a-uuid")).rejects.toBeInstanceOf(InvalidKeyError);
    expect(source.listLoads).toBe(0);
  });

  it("write-through: a save moving a member updates both lists", async () => {
    const { source, repo } = setup(usersWithTeamList({ strategy: "write-through" }));
    const mover = source.put(makeUser({ name: "mover", teamId: TEAM_A }));
    await repo.get(mover.id);
    await Promise.all([repo.listByTeam(TEAM_A), repo.listByTeam(TEAM_B)]);
    await repo.save({ ...mover, teamId: TEAM_B, updatedAt: new Date(mover.updatedAt.getTime() + 1) });
    expect(await repo.listByTeam(TEAM_A)).toEqual([]);
    expect(names(await repo.listByTeam(TEAM_B))).toEqual(["mover"]);
  });
});

class WriteBehindTeamRepo extends WriteBehindRepository<User, UserKey, WriteBehindSource<User, UserKey>> {
  constructor(
    definition: EntityDefinition<User, UserKey>,
    options: RepositoryOptions<WriteBehindSource<User, UserKey>>,
  ) {
    super(definition, options);
  }

  listByTeam(teamId: string): Promise<User[]> {
    return this.readList("byTeam", [teamId]);
  }
}

describe("listBy<List> on a write-behind entity", () => {
  it("a queued move never shows the member in its old list; once written it shows in the new one", async () => {
    const source = new TeamStore();
    const repo = new WriteBehindTeamRepo(
      usersWithTeamList({
        strategy: "write-behind",
        writeBehind: { batchSize: 10, flushIntervalMs: 20, maxAttempts: 3 },
      }),
      { redis, source, keyPrefix: `${prefix}wb:`, encryptionKeys },
    );
    const mover = source.put(makeUser({ name: "mover", teamId: TEAM_A }));
    source.put(makeUser({ name: "a1", teamId: TEAM_A }));
    await Promise.all([repo.listByTeam(TEAM_A), repo.listByTeam(TEAM_B)]);
    await repo.save({ ...mover, teamId: TEAM_B, updatedAt: new Date(mover.updatedAt.getTime() + 1) });

    // queued, not yet in the source: the source still lists the mover in team A
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1"]);
    expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1"]);

    const worker = repo.startWorker({ pollMs: 20 });
    try {
      await repo.flush(5_000);
      await until(async () => (await repo.listByTeam(TEAM_B)).length === 1, 5_000);
      expect(names(await repo.listByTeam(TEAM_B))).toEqual(["mover"]);
      expect(names(await repo.listByTeam(TEAM_A))).toEqual(["a1"]);
    } finally {
      await worker.stop();
      await repo.close();
    }
  });
});
