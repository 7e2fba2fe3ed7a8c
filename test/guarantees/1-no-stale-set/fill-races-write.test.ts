// Guarantee 1 with a forced interleaving: a reader loads v1, a writer commits v2 and invalidates,
// then the reader fills. Under load, with random latency: readers-and-writers.test.ts.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { UserRepository } from "../../runtime/fixtures/user.js";
import { collectEvents, connect, encryptionKeys, makeUser, uniquePrefix, UserStore } from "../../runtime/helpers.js";

let redis: Redis;
let writerRedis: Redis;
const prefix = uniquePrefix("g1");

beforeAll(async () => {
  [redis, writerRedis] = await Promise.all([connect(), connect()]);
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await Promise.all([redis.quit(), writerRedis.quit()]);
});

describe("guarantee 1: no stale set", () => {
  it("guarantee 1 (no stale set): a reader's slow fill of v1 racing a write of v2 never leaves v1 cached", async () => {
    const source = new UserStore();
    const v1 = source.put(makeUser({ name: "v1" }));
    const events = collectEvents();
    // Reader and writer on separate connections, like two processes.
    const reader = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent });
    const writer = new UserRepository({ redis: writerRedis, source, keyPrefix: prefix, encryptionKeys });

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
});
