// Guarantee 1 with a forced interleaving: a reader loads v1, a writer commits v2 and invalidates
// (the key, or a tag of it), then the reader fills. On a single Redis and on a cluster, where the
// entry, its tag set and the epochs of the other buckets are in other slots. Under load, with
// random latency: readers-and-writers.test.ts.
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, type RedisClient } from "cachegen/runtime";
import { UserRepository } from "../../runtime/fixtures/user.js";
import { collectEvents, encryptionKeys, makeUser, uniquePrefix, UserStore } from "../../runtime/helpers.js";
import { redisTargets } from "../../support/redis-targets.js";

const prefix = uniquePrefix("g1");
const { targets, start, stop } = redisTargets();

beforeAll(start, 60_000);
afterAll(stop);

describe.each(targets)("guarantee 1: no stale set ($name)", (target) => {
  let redis: Redis | Cluster;
  let writerRedis: Redis | Cluster;
  beforeAll(async () => {
    [redis, writerRedis] = await Promise.all([target.client(), target.client()]);
  });
  afterAll(async () => {
    await deleteByPrefix(redis as RedisClient, prefix);
    redis.disconnect();
    writerRedis.disconnect();
  });

  function repositories() {
    const source = new UserStore();
    const events = collectEvents();
    // Reader and writer on separate connections, like two processes.
    const reader = new UserRepository({
      redis: redis as RedisClient,
      source,
      keyPrefix: prefix,
      encryptionKeys,
      onEvent: events.onEvent,
    });
    const writer = new UserRepository({ redis: writerRedis as RedisClient, source, keyPrefix: prefix, encryptionKeys });
    return { source, events, reader, writer };
  }

  it(`guarantee 1 (no stale set, ${target.name}): a reader's slow fill of v1 racing a write of v2 never leaves v1 cached`, async () => {
    const { source, events, reader, writer } = repositories();
    const v1 = source.put(makeUser({ name: "v1" }));
    const hold = source.holdNextLoad();
    const read = reader.get(v1.id); // miss: takes the lease, loads v1, then stalls before filling
    await hold.loaded;
    await writer.save({ ...v1, name: "v2", updatedAt: new Date(v1.updatedAt.getTime() + 1) }); // source, then invalidate
    hold.release();
    expect((await read)?.name).toBe("v1"); // the reader returns what it loaded ...

    const raw = await redis.get(reader.keyOf(v1.id)); // ... but the cache must not hold it
    expect(raw === null || raw.includes('"name":"v2"')).toBe(true);
    expect(events.of("fill-rejected")).toHaveLength(1);
    expect((await reader.get(v1.id))?.name).toBe("v2");
  });

  it(`guarantee 1 (no stale set, tags, ${target.name}): a slow fill of v1 racing a source change and invalidateTag of its tag never leaves v1 cached`, async () => {
    const { source, events, reader, writer } = repositories();
    const v1 = source.put(makeUser({ name: "v1" }));
    const other = source.put(makeUser({ name: "other", teamId: v1.teamId })); // cached, same tag
    await reader.get(other.id);
    const hold = source.holdNextLoad();
    const read = reader.get(v1.id); // takes the lease under its bucket's epoch, loads v1, stalls
    await hold.loaded;
    // The source changes behind the cache's back; the app invalidates the team's entries.
    source.put({ ...v1, name: "v2", updatedAt: new Date(v1.updatedAt.getTime() + 1) });
    await writer.invalidateTeam(v1.teamId);
    hold.release();
    expect((await read)?.name).toBe("v1");

    // v1 was not a member of the team's set yet: only the epoch of its bucket can refuse the fill.
    expect(await redis.get(reader.keyOf(v1.id))).toBeNull();
    expect(await redis.get(reader.keyOf(other.id))).toBeNull(); // the member was revoked
    expect(events.of("fill-rejected")).toHaveLength(1);
    expect((await reader.get(v1.id))?.name).toBe("v2");
  });

  it(`guarantee 1 (tags, ${target.name}): a value filled before invalidateTag is in its tag set, so the invalidation drops it`, async () => {
    const { source, reader, writer } = repositories();
    const users = Array.from({ length: 20 }, () => source.put(makeUser({ name: "v1" })));
    const team = users[0]!.teamId;
    for (const user of users.slice(1)) source.put({ ...user, teamId: team });
    const members = users.map((user) => ({ ...user, teamId: team }));
    await Promise.all(members.map((user) => reader.get(user.id))); // members spread over many buckets
    for (const user of members) source.put({ ...user, name: "v2", updatedAt: new Date(user.updatedAt.getTime() + 1) });
    await writer.invalidateTeam(team);
    for (const user of members) expect(await redis.exists(reader.keyOf(user.id))).toBe(0);
    expect(new Set((await Promise.all(members.map((user) => reader.get(user.id)))).map((u) => u?.name))).toEqual(
      new Set(["v2"]),
    );
  });
});
