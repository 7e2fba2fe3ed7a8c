import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { KeySpace } from "../../../src/runtime/key-space.js";
import { UserRepository } from "../../runtime/fixtures/user.js";
import {
  collectEvents,
  fileRedis,
  encryptionKeys,
  makeUser,
  UserRepo,
  userVariant,
  UserStore,
  UserStoreWithMany,
} from "../../runtime/helpers.js";
import { TEAM_A, TeamListRepo, TeamStore, usersWithTeamList } from "../../runtime/list-fixtures.js";
import { WriteBehindUserRepository, UserTable } from "../../write-behind/fixtures.js";

// A key of another Redis type where an entry keeps its value (a hash, a list: another program's
// key, or a mistake) is untrusted content like any bad value: a miss, deleted, reported as an
// invalid value; never a Redis failure (a GET of it answers WRONGTYPE, which must not open the
// breaker and take the cache away from every other key), and never a key that blocks the entry
// for good (it has no expiry).

let redis!: Redis;
const prefix = fileRedis("foreign-types", (client) => (redis = client));

function readThrough(source: UserStore = new UserStore()) {
  const events = collectEvents();
  const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent });
  return { repo, source, events };
}

describe("guarantee 6 (untrusted cache): a key of another type where a value belongs", () => {
  it("get: a hash there is a miss, is deleted, raises invalid-value (not redis-error), and the entry is cached again", async () => {
    const { repo, source, events } = readThrough();
    const user = makeUser();
    source.put(user);
    await redis.hset(repo.keyOf(user.id), "planted", "by someone else");

    expect(await repo.get(user.id)).toEqual(user);
    expect(source.loads).toBe(1);
    expect(events.of("invalid-value").map((e) => e.detail)).toEqual([
      "a Redis hash where the value belongs (not cachegen's): deleted",
    ]);
    expect(events.of("redis-error")).toEqual([]);
    expect(await redis.type(repo.keyOf(user.id))).toBe("string");

    expect(await repo.get(user.id)).toEqual(user);
    expect(source.loads).toBe(1);
  });

  it("getMany: a list there (MGET reads it as absent) is deleted and the entry cached again, the other keys untouched", async () => {
    const { repo, source, events } = readThrough(new UserStoreWithMany());
    const [a, b, c] = [makeUser(), makeUser(), makeUser()];
    for (const user of [a, b, c]) source.put(user);
    await repo.getMany([a.id, c.id]);
    await redis.rpush(repo.keyOf(b.id), "planted");
    source.loads = 0;

    expect(await repo.getMany([a.id, b.id, c.id])).toEqual([a, b, c]);
    expect(source.loads).toBe(1);
    expect(events.of("invalid-value").map((e) => e.detail)).toEqual([
      "a Redis list where the value belongs (not cachegen's): deleted",
    ]);
    expect(await redis.type(repo.keyOf(b.id))).toBe("string");
  });

  it("planted again before every read, it never opens the breaker: another key keeps hitting Redis", async () => {
    const { repo, source, events } = readThrough();
    const [poisoned, healthy] = [makeUser(), makeUser()];
    source.put(poisoned);
    source.put(healthy);
    await repo.get(healthy.id);
    for (let i = 0; i < 20; i++) {
      await redis.del(repo.keyOf(poisoned.id));
      await redis.sadd(repo.keyOf(poisoned.id), "planted");
      expect(await repo.get(poisoned.id)).toEqual(poisoned);
    }
    source.loads = 0;
    for (let i = 0; i < 20; i++) expect(await repo.get(healthy.id)).toEqual(healthy);

    expect(source.loads).toBe(0);
    expect(repo.stats().breakerOpens).toBe(0);
    expect(events.of("redis-error")).toEqual([]);
    expect(events.of("invalid-value")).toHaveLength(20);
  });

  it("writes get past it: a write-through save empties the entry, prime and a write-behind save write the value", async () => {
    const store = new UserStore();
    const writeThrough = new UserRepo(userVariant({ strategy: "write-through" }), {
      redis,
      source: store,
      keyPrefix: prefix,
      encryptionKeys,
    });
    const saved = makeUser();
    await redis.hset(writeThrough.keyOf(saved.id), "planted", "1");
    await writeThrough.save(saved);
    // The User's versionField: a put keeps the value only when the source answers the row it kept
    // (UserStore answers nothing), so the save leaves the entry empty for the next read to fill.
    expect(await redis.type(writeThrough.keyOf(saved.id))).toBe("none");
    expect(await writeThrough.get(saved.id)).toEqual(saved);
    expect(await redis.type(writeThrough.keyOf(saved.id))).toBe("string");

    const primed = makeUser();
    await redis.hset(writeThrough.keyOf(primed.id), "planted", "1");
    expect(await writeThrough.prime(primed)).toBe(true);
    store.loads = 0;
    expect(await writeThrough.get(primed.id)).toEqual(primed);
    expect(store.loads).toBe(0);

    const queued = new WriteBehindUserRepository({
      redis,
      source: new UserTable(),
      keyPrefix: `${prefix}${randomUUID()}:`,
      encryptionKeys,
    });
    const later = makeUser();
    await redis.hset(queued.keyOf(later.id), "planted", "1");
    await queued.save(later);
    expect(await redis.type(queued.keyOf(later.id))).toBe("string");
    expect(await queued.get(later.id)).toEqual(later);
    expect(await queued.pending()).toBe(1);
  });

  it("a list's key: a hash there is read as absent, deleted, and the list cached again", async () => {
    const definition = usersWithTeamList();
    const source = new TeamStore();
    const repo = new TeamListRepo(definition, { redis, source, keyPrefix: prefix, encryptionKeys });
    const member = makeUser({ teamId: TEAM_A });
    source.put(member);
    const listKey = new KeySpace(definition, prefix).listKey("byTeam", [TEAM_A]);
    await redis.hset(listKey, "planted", "1");

    expect(await repo.listByTeam(TEAM_A)).toEqual([member]);
    expect(await redis.type(listKey)).toBe("string");
    expect(await repo.listByTeam(TEAM_A)).toEqual([member]);
    expect(source.listLoads).toBe(1);
  });
});
