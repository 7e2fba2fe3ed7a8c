import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachegenError, deleteByPrefix, type EntitySource } from "cachegen/runtime";
import { TeamRepository, type Team } from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { userEntity, UserRepository, type User, type UserKey } from "./fixtures/user.js";
import { connect, encryptionKeys, makeUser, uniquePrefix, UserRepo, userVariant, UserStore } from "./helpers.js";
import { sleep } from "../support/wait.js";
import { KeySpace } from "../../src/runtime/key-space.js";

let redis: Redis;
let writerRedis: Redis;
const prefix = uniquePrefix("write");

beforeAll(async () => {
  [redis, writerRedis] = await Promise.all([connect(), connect()]);
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await Promise.all([redis.quit(), writerRedis.quit()]);
});

describe("write path", () => {
  it("read-through save = source.save then invalidate; delete = source.delete then invalidate", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await repo.get(user.id);
    await repo.save({ ...user, name: "Changed" });
    expect(source.rows.get(user.id)?.name).toBe("Changed");
    expect(await redis.exists(repo.keyOf(user.id))).toBe(0);
    expect((await repo.get(user.id))?.name).toBe("Changed");
    await repo.delete(user.id);
    expect(source.rows.has(user.id)).toBe(false);
    expect(await repo.get(user.id)).toBeNull();
  });

  it("a missing source.save / source.delete is a clear error naming the method, before anything is touched", async () => {
    const source = { load: async () => null, loadByEmail: async () => null };
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await expect(repo.save(makeUser())).rejects.toThrow(CachegenError);
    await expect(repo.save(makeUser())).rejects.toThrow(
      /source\.save is not implemented; implement UserSource\.save\(\)/,
    );
    await expect(repo.delete(randomUUID())).rejects.toThrow(/source\.delete is not implemented/);
  });

  it("save drops the old index entry when the indexed field changes", async () => {
    const source = new UserStore();
    const user = source.put(makeUser({ email: "before@example.com" }));
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await repo.getByEmail("before@example.com");
    await repo.get(user.id);
    const oldIndexKey = new KeySpace(userEntity, prefix).indexKey("byEmail", ["before@example.com"]);
    expect(await redis.get(oldIndexKey)).toBe(user.id);
    await repo.save({ ...user, email: "after@example.com" });
    expect(await redis.exists(oldIndexKey)).toBe(0);
    expect(await repo.getByEmail("before@example.com")).toBeNull();
    expect((await repo.getByEmail("after@example.com"))?.id).toBe(user.id);
  });

  it("invalidateTag drops every value of the tag and nothing else", async () => {
    const source = new UserStore();
    const teamA = randomUUID();
    const teamB = randomUUID();
    const a1 = source.put(makeUser({ teamId: teamA }));
    const a2 = source.put(makeUser({ teamId: teamA }));
    const b1 = source.put(makeUser({ teamId: teamB }));
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await repo.getMany([a1.id, a2.id, b1.id]);
    await repo.invalidateTeam(teamA);
    expect(await redis.exists(repo.keyOf(a1.id), repo.keyOf(a2.id))).toBe(0);
    expect(await redis.exists(repo.keyOf(b1.id))).toBe(1);
    await expect(repo.invalidateTag({ nope: 1 } as never)).rejects.toThrow(
      /no tag has exactly the fields \{ nope \}; declared tags: team:\{teamId\}/,
    );
  });

  it("invalidateTag revokes a fill in flight for a member of the tag", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    const hold = source.holdNextLoad();
    const read = repo.get(user.id);
    await hold.loaded;
    await repo.invalidateTeam(user.teamId);
    hold.release();
    await read;
    expect(await redis.exists(repo.keyOf(user.id))).toBe(0);
  });

  it("the tag epoch expires a day after its last bump, and an expired epoch never takes an old value again", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    // A prefix of its own: the epoch's first bump here is the epoch's first bump ever.
    const own = uniquePrefix("epoch");
    const repo = new UserRepository({ redis, source, keyPrefix: own, encryptionKeys });
    const keys = (repo as unknown as { keys: KeySpace<User, UserKey> }).keys;
    const epochKey = keys.epochKeyOf(keys.resolve(user.id).bucket);
    await repo.invalidateTeam(randomUUID());
    const pttl = await redis.pttl(epochKey);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(24 * 60 * 60 * 1000);
    // A read takes its lease under the current epoch; the epoch expires; one bump later the fill
    // must still be refused (a counter restarting at 1 would give the lease's epoch back).
    const hold = source.holdNextLoad();
    const read = repo.get(user.id);
    await hold.loaded;
    await redis.del(epochKey);
    await sleep(5);
    await repo.invalidateTeam(randomUUID());
    hold.release();
    expect(await read).toEqual(user);
    expect(await redis.exists(repo.keyOf(user.id))).toBe(0);
    await deleteByPrefix(redis, own);
  });

  it("invalidates: a write to User drops the cached Team of the old and the new value", async () => {
    const teams = new Map<string, Team>();
    const oldTeam: Team = { id: randomUUID(), name: "old" };
    const newTeam: Team = { id: randomUUID(), name: "new" };
    teams.set(oldTeam.id, oldTeam).set(newTeam.id, newTeam);
    const teamRepo = new TeamRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async ({ id }) => teams.get(id) ?? null },
    });
    const source = new UserStore();
    const user = source.put(makeUser({ teamId: oldTeam.id }));
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await repo.get(user.id);
    await teamRepo.getMany([oldTeam.id, newTeam.id]);
    expect(await redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))).toBe(2);
    await repo.save({ ...user, teamId: newTeam.id });
    expect(await redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))).toBe(0);

    // invalidate(key) finds the targets through the cached value.
    await repo.get(user.id);
    await teamRepo.get(newTeam.id);
    await repo.invalidate(user.id);
    expect(await redis.exists(teamRepo.keyOf(newTeam.id))).toBe(0);
  });
});

describe("write-through", () => {
  const writeThrough = userVariant({ strategy: "write-through" });

  it("save writes the source, then the cache holds the new value over the older one cached (no load)", async () => {
    const source = new UserStore();
    const repo = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    const user = source.put(makeUser());
    expect(await repo.get(user.id)).toEqual(user);
    const renamed = { ...user, name: "Grace", updatedAt: new Date(user.updatedAt.getTime() + 1) };
    await repo.save(renamed);
    expect(source.rows.get(user.id)).toEqual(renamed);
    expect(await repo.get(user.id)).toEqual(renamed);
    expect(source.loads).toBe(1);
  });

  it("a source whose save answers the row it kept: the cache holds that row (no load)", async () => {
    const source = new UserStore();
    const kept: EntitySource<User, UserKey> = source;
    kept.save = async (user: User) => source.put(structuredClone(user));
    const repo = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    const user = makeUser();
    await repo.save(user);
    expect(await repo.get(user.id)).toEqual(user);
    expect(source.loads).toBe(0);
  });

  it("with versionField, a first save whose source answers nothing only revokes (it cannot tell the source took it)", async () => {
    const source = new UserStore();
    const repo = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    const user = makeUser();
    await repo.save(user);
    expect(await redis.exists(repo.keyOf(user.id))).toBe(0);
    expect(await repo.get(user.id)).toEqual(user);
    expect(source.loads).toBe(1);
  });

  it("a failing source write caches nothing and reaches the caller", async () => {
    const source = new UserStore();
    source.save = async () => {
      throw new Error("db down");
    };
    const repo = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    const user = makeUser();
    await expect(repo.save(user)).rejects.toThrow("db down");
    expect(await redis.exists(repo.keyOf(user.id))).toBe(0);
  });

  it("with versionField, racing saves never leave the older version cached", async () => {
    const source = new UserStore();
    // The database fences on the version, like `WHERE version < $new`.
    source.save = async (u: User) => {
      if (u.name === "older") await sleep(40);
      const current = source.rows.get(u.id);
      if (!current || current.updatedAt < u.updatedAt) source.rows.set(u.id, structuredClone(u));
    };
    const repoA = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    const repoB = new UserRepo(writeThrough, { redis: writerRedis, source, keyPrefix: prefix, encryptionKeys });
    const base = makeUser();
    const older = { ...base, name: "older", updatedAt: new Date(1_000) };
    const newer = { ...base, name: "newer", updatedAt: new Date(2_000) };
    await Promise.all([repoA.save(older), repoB.save(newer)]); // newer's put lands first; they overlapped
    expect(source.rows.get(base.id)?.name).toBe("newer");
    expect((await repoA.get(base.id))?.name).toBe("newer");
    expect((await repoB.get(base.id))?.name).toBe("newer");
  });

  it("without versionField, overlapping saves fall back to invalidation", async () => {
    const def = userVariant({ strategy: "write-through", versionField: undefined } as never);
    const source = new UserStore();
    const repoA = new UserRepo(def, { redis, source, keyPrefix: prefix, encryptionKeys });
    const repoB = new UserRepo(def, { redis: writerRedis, source, keyPrefix: prefix, encryptionKeys });
    const base = makeUser();
    const order: string[] = [];
    source.save = async (u: User) => {
      if (u.name === "slow") await sleep(40);
      order.push(u.name);
      source.rows.set(u.id, structuredClone(u));
    };
    await Promise.all([repoA.save({ ...base, name: "slow" }), repoB.save({ ...base, name: "fast" })]);
    expect(order).toEqual(["fast", "slow"]);
    const raw = await redis.get(repoA.keyOf(base.id));
    expect(raw).toBeNull();
    expect((await repoA.get(base.id))?.name).toBe("slow");
    // A lone save is cached again.
    await repoB.save({ ...base, name: "alone" });
    expect(await redis.exists(repoA.keyOf(base.id))).toBe(1);
    expect((await repoA.get(base.id))?.name).toBe("alone");
  });
});

describe("invalidation graph on the write-through put", () => {
  it("a write-through save drops its old index entry when the indexed field changes, and the Team of the old and the new value", async () => {
    const writeThrough = userVariant({ strategy: "write-through" });
    const teams = new Map<string, Team>();
    const oldTeam: Team = { id: randomUUID(), name: "old" };
    const newTeam: Team = { id: randomUUID(), name: "new" };
    teams.set(oldTeam.id, oldTeam).set(newTeam.id, newTeam);
    const teamRepo = new TeamRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async ({ id }) => teams.get(id) ?? null },
    });
    const source = new UserStore();
    const user = source.put(makeUser({ email: "wt-before@example.com", teamId: oldTeam.id }));
    const repo = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    expect((await repo.getByEmail("wt-before@example.com"))?.id).toBe(user.id);
    await repo.get(user.id);
    await teamRepo.getMany([oldTeam.id, newTeam.id]);

    const moved = {
      ...user,
      email: "wt-after@example.com",
      teamId: newTeam.id,
      updatedAt: new Date(user.updatedAt.getTime() + 1),
    };
    await repo.save(moved);
    expect(await redis.exists(teamRepo.keyOf(oldTeam.id), teamRepo.keyOf(newTeam.id))).toBe(0);
    expect(await redis.exists(new KeySpace(userEntity, prefix).indexKey("byEmail", ["wt-before@example.com"]))).toBe(0);
    expect(await repo.getByEmail("wt-before@example.com")).toBeNull();
    expect(await repo.getByEmail("wt-after@example.com")).toEqual(moved);
    expect(source.loads).toBe(1); // the put holds the new value: no reload
  });
});
