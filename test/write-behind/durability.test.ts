import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheWriteUnknownError, defineEntity, Repository } from "cachegen/runtime";
import { collectEvents, encryptionKeys, makeUser, ready, uniquePrefix } from "../runtime/helpers.js";
import { resilientClient } from "../support/redis-server.js";
import { scanKeys } from "../support/scan-keys.js";
import { ReplicatedRedis } from "../support/replicated-redis.js";
import { userEntity, type User, type UserKey } from "../runtime/fixtures/user.js";
import { createRepositories, type Sources } from "../../generated/index.js";
import * as example from "../cli/example-entities.js";
import { UserTable, WriteBehindUserRepository } from "./fixtures.js";

// `durability: { replicas, timeoutMs }`: a write-behind save resolves only once the queued entry is on
// that many replicas (WAIT after the enqueue, on the same connection); fewer acknowledgements within
// the bound reject the save as "outcome unknown" and record durability-not-met.

const TIMEOUT_MS = 300;
let set: ReplicatedRedis;
let redis: Redis;
let onReplica: Redis;

beforeAll(async () => {
  set = await ReplicatedRedis.start(1);
  redis = resilientClient(set.primary.port);
  onReplica = set.admin(set.replicas[0]!);
  await ready(redis);
});

afterAll(async () => {
  redis?.disconnect();
  await set?.stop();
});

function repository(durability: { replicas: number; timeoutMs?: number } | undefined) {
  const events = collectEvents();
  const keyPrefix = uniquePrefix("wb-durability");
  const users = new WriteBehindUserRepository({
    redis,
    source: new UserTable(),
    keyPrefix,
    encryptionKeys,
    onEvent: events.onEvent,
    ...(durability && { durability }),
  });
  return { users, events, keyPrefix };
}

/** Queue entries under `keyPrefix` on this server, whatever streams the layout uses. */
async function queuedOn(server: Redis, keyPrefix: string): Promise<number> {
  let entries = 0;
  for (const key of await scanKeys(server, `${keyPrefix}*`, "stream")) {
    if (!key.endsWith("dlq")) entries += await server.xlen(key);
  }
  return entries;
}

describe("write-behind durability: { replicas }", () => {
  it("with the replica running, saves and deletes resolve and the entries are on the replica", async () => {
    const { users, events, keyPrefix } = repository({ replicas: 1, timeoutMs: TIMEOUT_MS });
    const saved = Array.from({ length: 20 }, () => makeUser());
    await Promise.all(saved.map((user) => users.save(user)));
    // No wait here: the WAIT already had the replica acknowledge them.
    const onReplicaNow = await onReplica.mget(saved.map((user) => users.keyOf(user.id)));
    expect(onReplicaNow.every((value) => value !== null)).toBe(true);
    expect(await queuedOn(onReplica, keyPrefix)).toBe(20);
    await users.delete(saved[0]!.id);
    expect(events.of("durability-not-met")).toEqual([]);
    await users.close();
  });

  it("with the replica stopped, a save rejects with CacheWriteUnknownError within the bound and records durability-not-met", async () => {
    const { users, events } = repository({ replicas: 1, timeoutMs: TIMEOUT_MS });
    set.replicas[0]!.signal("SIGSTOP");
    try {
      const startedAt = Date.now();
      const outcome = await users.save(makeUser()).then(
        () => "resolved",
        (error: unknown) => error,
      );
      const tookMs = Date.now() - startedAt;
      const deleted = await users.delete(makeUser().id).then(
        () => "resolved",
        (error: unknown) => error,
      );
      console.log(`[durability] replica stopped: save settled after ${tookMs} ms (timeoutMs ${TIMEOUT_MS})`);
      expect(outcome).toBeInstanceOf(CacheWriteUnknownError);
      expect(String(outcome)).toMatch(/0 of 1 replica\(s\) acknowledged within 300 ms/);
      expect(deleted).toBeInstanceOf(CacheWriteUnknownError);
      expect(tookMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(tookMs).toBeLessThan(TIMEOUT_MS + 1_000);
      expect(events.of("durability-not-met")).toHaveLength(2);
      expect(await users.pending()).toBe(2); // queued on the primary all the same
    } finally {
      set.replicas[0]!.signal("SIGCONT");
    }
    await set.linked();
    await users.save(makeUser()); // and it recovers once the replica is back
    await users.close();
  });

  it("without durability, a save resolves while the replica is stopped (the window the option closes)", async () => {
    const { users } = repository(undefined);
    set.replicas[0]!.signal("SIGSTOP");
    try {
      await users.save(makeUser());
    } finally {
      set.replicas[0]!.signal("SIGCONT");
    }
    await users.close();
  });

  it("createRepositories of a project mixing strategies gives durability to its write-behind repositories alone", async () => {
    const events = collectEvents();
    const rows = new Map([[example.customer.id, example.customer]]);
    const sources = {
      customer: { load: async ({ id }: { id: string }) => rows.get(id) ?? null },
      order: { load: async () => null, save: async () => {}, delete: async () => {} },
    } as unknown as Sources;
    // Before: the first repository that is not write-behind (Category) threw at this call.
    const repos = createRepositories({
      redis,
      keyPrefix: uniquePrefix("wb-durability-shop"),
      encryptionKeys: example.encryptionKeys,
      sources,
      onEvent: events.onEvent,
      durability: { replicas: 1, timeoutMs: TIMEOUT_MS },
    });
    set.replicas[0]!.signal("SIGSTOP");
    try {
      const outcome = await repos.order.save(example.order).then(
        () => "resolved",
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(CacheWriteUnknownError); // the Order repository waited for the replica
      expect(events.of("durability-not-met")).toHaveLength(1);
    } finally {
      set.replicas[0]!.signal("SIGCONT");
    }
    expect((await repos.customer.get(example.customer.id))?.email).toBe(example.customer.email);
    await repos.close();
  });

  it("rejects a durability option that cannot be met", () => {
    expect(() => repository({ replicas: 0 })).toThrow(/durability.replicas must be an integer >= 1/);
    expect(() => repository({ replicas: 1, timeoutMs: -1 })).toThrow(/durability.timeoutMs must be a positive/);
  });

  it("rejects durability on a repository that queues nothing (read-through): it would promise what nothing does", () => {
    const readThrough = defineEntity<User, UserKey>(userEntity);
    expect(
      () =>
        new Repository(readThrough, {
          redis,
          keyPrefix: uniquePrefix("wb-durability"),
          encryptionKeys,
          source: new UserTable(),
          durability: { replicas: 1 },
        }),
    ).toThrow(/User is read-through: durability applies to write-behind repositories only .* remove the option/);
  });
});
