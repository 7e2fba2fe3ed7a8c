// Compression (`compress: { over }`): a value whose stored form is above the threshold is stored
// gzipped under header kind `c`; readers take both kinds (a rollout in either direction reads the
// other's entries as hits, same namespace); a write-behind value that is compressed lands (the
// acknowledge script's kind and sha1 checks take `c`); and inflating is bounded: a small hostile
// payload claiming megabytes is a miss, deleted, with an event.
import { gzipSync } from "node:zlib";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { defineEntity, type EntityDefinition } from "cachegen/runtime";
import { WriteBehindUserRepository, UserTable, writeBehindUser } from "../write-behind/fixtures.js";
import type { User, UserKey } from "./fixtures/user.js";
import { collectEvents, encryptionKeys, fileRedis, makeUser, UserRepo, UserStore, userVariant } from "./helpers.js";

let redis: Redis;
const prefix = fileRedis("compress", (client) => (redis = client));

const plain = userVariant({});
const compressed = userVariant({ compress: { overBytes: 1024 } });
const compressedMsgpack = userVariant({ compress: { overBytes: 1024 }, serializer: "msgpack" });
const plainMsgpack = userVariant({ serializer: "msgpack" });

/** A user whose stored form is ~6 KB (a long, repetitive note in `meta`). */
function bigUser(): User {
  return makeUser({ meta: { note: "steep the leaves for three minutes ".repeat(160) } });
}

function repo(definition: EntityDefinition<User, UserKey>, store = new UserStore(), options: object = {}) {
  const events = collectEvents();
  const users = new UserRepo(definition, {
    redis,
    source: store,
    keyPrefix: prefix,
    encryptionKeys,
    onEvent: events.onEvent,
    ...options,
  });
  return { users, store, events };
}

async function kindAt(key: string): Promise<{ kind: string; bytes: number }> {
  const raw = (await redis.getBuffer(key))!;
  return { kind: String.fromCharCode(raw[0]!), bytes: raw.length };
}

describe("compress", () => {
  it.each([
    ["json", compressed, plain],
    ["msgpack", compressedMsgpack, plainMsgpack],
  ] as const)(
    "%s: above the threshold stored as kind c (smaller), below as v; both read back as hits",
    async (_, definition, uncompressed) => {
      expect(definition.namespace).toBe(uncompressed.namespace);
      const { users, store } = repo(definition);
      const big = store.put(bigUser());
      const small = store.put(makeUser());
      expect(await users.get(big.id)).toEqual(big);
      expect(await users.get(small.id)).toEqual(small);
      const stored = await kindAt(users.keyOf(big.id));
      expect(stored.kind).toBe("c");
      expect(stored.bytes).toBeLessThan(1024);
      expect((await kindAt(users.keyOf(small.id))).kind).toBe("v");
      const loads = store.loads;
      expect(await users.getMany([big.id, small.id])).toEqual([big, small]);
      expect(store.loads).toBe(loads);
    },
  );

  it("rollout both ways: entries of a repository without compress are hits for one with it, and the other way round", async () => {
    const store = new UserStore();
    const before = repo(plain, store);
    const after = repo(compressed, store);
    const [a, b] = [store.put(bigUser()), store.put(bigUser())];
    await before.users.get(a.id); // written uncompressed
    await after.users.get(b.id); // written compressed
    expect((await kindAt(before.users.keyOf(a.id))).kind).toBe("v");
    expect((await kindAt(after.users.keyOf(b.id))).kind).toBe("c");
    const loads = store.loads;
    expect(await after.users.get(a.id)).toEqual(a);
    expect(await before.users.get(b.id)).toEqual(b);
    expect(store.loads).toBe(loads);
    expect(after.events.of("invalid-value")).toEqual([]);
    expect(before.events.of("invalid-value")).toEqual([]);
  });

  it("a hostile compressed payload (14 KB inflating to 16 MB) is a miss, deleted, with an event; inflating stops at maxValueBytes", async () => {
    const { users, store, events } = repo(compressed, new UserStore(), { maxValueBytes: 256 * 1024 });
    const user = store.put(bigUser());
    const bomb = Buffer.concat([
      Buffer.from("c|99999999999999||", "latin1"),
      gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20)),
    ]);
    expect(bomb.length).toBeLessThan(256 * 1024);
    await redis.set(users.keyOf(user.id), bomb, "PX", 60_000);
    const heapBefore = process.memoryUsage().arrayBuffers;
    expect(await users.get(user.id)).toEqual(user);
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(8 * 1024 * 1024);
    expect(store.loads).toBe(1);
    expect(events.of("invalid-value").length).toBe(1);
    expect(String(events.of("invalid-value")[0]?.detail)).toMatch(/malformed payload/);
    expect((await kindAt(users.keyOf(user.id))).kind).toBe("c"); // replaced by the loaded value
    expect(await users.get(user.id)).toEqual(user);
    expect(store.loads).toBe(1);
  });

  it("a corrupt compressed payload is a miss, deleted, with an event", async () => {
    const { users, store, events } = repo(compressed);
    const user = store.put(makeUser());
    await redis.set(users.keyOf(user.id), Buffer.from("c|99999999999999||not gzip at all", "latin1"), "PX", 60_000);
    expect(await users.get(user.id)).toEqual(user);
    expect(events.of("invalid-value").length).toBe(1);
  });

  it("write-behind: a compressed value lands (kept with its TTL after the write reaches the source), then is a hit", async () => {
    const table = new UserTable();
    // without a versionField, a landed save is kept without the source's answer (saveMany answers none)
    const { versionField: _, ...unversioned } = writeBehindUser;
    const definition = defineEntity<User, UserKey>({ ...unversioned, compress: { overBytes: 1024 } });
    const users = new WriteBehindUserRepository(
      { redis, source: table, keyPrefix: `${prefix}wb:`, encryptionKeys },
      definition,
    );
    const worker = users.startWorker({ pollMs: 20 });
    try {
      const user = bigUser();
      await users.save(user);
      const key = users.keyOf(user.id);
      expect((await kindAt(key)).kind).toBe("c");
      expect(await redis.pttl(key)).toBe(-1); // queued: no expiry yet
      await users.flush(5_000);
      expect(table.rows.get(user.id)).toEqual(user);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await redis.pttl(key)).toBeGreaterThan(0); // landed: restamped, not dropped
      expect((await kindAt(key)).kind).toBe("c");
      expect(await users.get(user.id)).toEqual(user);
      expect(table.loads).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
