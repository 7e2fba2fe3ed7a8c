import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { defineEntity, type RedisClient, type WriteBehindWorker } from "cachegen/runtime";
import type { User, UserKey } from "../runtime/fixtures/user.js";
import { CONSUMER_GROUP } from "../../src/runtime/keys.js";
import { encryptionKeys, makeUser } from "../runtime/helpers.js";
import { holdPoint } from "../support/hold.js";
import { scanKeys } from "../support/scan-keys.js";
import { sleep, until } from "../support/wait.js";
import {
  writeBehindSuite,
  writeBehindUser,
  WriteBehindUserRepository,
  type WriteBehindUserSource,
} from "./fixtures.js";

// Per-key order across any number of live workers, without a versionField (nothing in the source
// fences an older write): a write of a key reaches the source only after every earlier write of it,
// whichever worker took which entry, and also when an earlier write failed once.

const suite = writeBehindSuite("wb-order");

/** User without a versionField: the source takes every write as it comes. */
const { versionField: _versionField, ...unversioned } = writeBehindUser;
const unversionedUser = defineEntity<User, UserKey>(unversioned);

/** A table that takes writes as they come (no fence), slow or failing for names it is told. */
class PlainTable implements WriteBehindUserSource {
  readonly rows = new Map<string, User>();
  /** Every write that reached the table, in order: `<id>=<name>`. */
  readonly writes: string[] = [];
  readonly slow = new Map<string, number>();
  readonly failOnce = new Set<string>();
  /** Names it refuses every time. */
  readonly refuse = new Set<string>();

  async load(key: UserKey): Promise<User | null> {
    return this.rows.get(key.id) ?? null;
  }

  async loadByEmail(): Promise<User | null> {
    return null;
  }

  async save(user: User): Promise<void> {
    await sleep(this.slow.get(user.name) ?? 0);
    if (this.failOnce.delete(user.name)) throw new Error(`${user.name} failed once`);
    if (this.refuse.has(user.name)) throw new Error(`${user.name} refused`);
    this.writes.push(`${user.id}=${user.name}`);
    this.rows.set(user.id, structuredClone(user));
  }

  async delete(key: UserKey): Promise<void> {
    this.rows.delete(key.id);
  }
}

/**
 * The suite's client, whose duplicates (a worker's own connection) hold `consumer`'s first script
 * call (its OWN of the first entries it reads) at `hold`.
 */
function holdingFirstScriptOf(consumer: string, hold: { arrive: () => Promise<void> }): RedisClient {
  let held = false;
  const holding = (connection: RedisClient): RedisClient =>
    new Proxy(connection, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        if (property === "duplicate") return () => holding((value as () => RedisClient).apply(target));
        if (property !== "callBuffer") return value.bind(target);
        return async (...args: unknown[]) => {
          if (!held && args[0] === "EVALSHA" && args.includes(consumer)) {
            held = true;
            await hold.arrive();
          }
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  return holding(suite.redis as unknown as RedisClient);
}

function twoWorkers() {
  const table = new PlainTable();
  const repo = new WriteBehindUserRepository(
    { redis: suite.redis, source: table, keyPrefix: `cgtest:wb-order:${randomUUID()}:`, encryptionKeys },
    unversionedUser,
  );
  const workers: WriteBehindWorker[] = ["a", "b", "c"].map((name) =>
    repo.startWorker({ consumer: `worker-${name}`, pollMs: 20, retryBaseMs: 20 }),
  );
  return { table, repo, stop: () => Promise.all(workers.map((worker) => worker.stop())) };
}

describe("write-behind: per-key order across live workers (no versionField)", () => {
  it("v1 taken by a worker whose source write is slow, v2 taken by an idle one: v1 never lands over v2", async () => {
    const { table, repo, stop } = twoWorkers();
    try {
      const user = makeUser();
      table.slow.set("v1", 300);
      await sleep(100); // the workers are waiting for entries
      await repo.save({ ...user, name: "v1" });
      await sleep(50);
      await repo.save({ ...user, name: "v2" });
      await repo.flush(10_000);
      await sleep(400); // a write in flight out of order would land by now
      expect(table.writes.at(-1)).toBe(`${user.id}=v2`);
      expect(table.rows.get(user.id)?.name).toBe("v2");
    } finally {
      await stop();
    }
  });

  it("an earlier write that failed once is not overtaken by a later one of its key", async () => {
    const { table, repo, stop } = twoWorkers();
    try {
      const users = Array.from({ length: 5 }, () => makeUser());
      for (const user of users) {
        table.failOnce.add(`${user.id}:1`);
        table.slow.set(`${user.id}:1`, 50);
      }
      await sleep(100);
      for (const user of users) await repo.save({ ...user, name: `${user.id}:1` });
      await sleep(20);
      for (const user of users) await repo.save({ ...user, name: `${user.id}:2` });
      await repo.flush(10_000);
      await sleep(200);
      for (const user of users) {
        const mine = table.writes.filter((write) => write.startsWith(`${user.id}=`));
        expect(mine.at(-1)).toBe(`${user.id}=${user.id}:2`);
        expect(table.rows.get(user.id)?.name).toBe(`${user.id}:2`);
      }
    } finally {
      await stop();
    }
  });

  it("a worker that read an earlier write but owns its key only after another worker wrote a later one never lands the earlier", async () => {
    const table = new PlainTable();
    const hold = holdPoint();
    const keyPrefix = `${suite.prefix}${randomUUID()}:`;
    const repo = new WriteBehindUserRepository(
      { redis: holdingFirstScriptOf("worker-a", hold), source: table, keyPrefix, encryptionKeys },
      unversionedUser,
    );
    const workers = [repo.startWorker({ consumer: "worker-a", pollMs: 20, retryBaseMs: 20 })];
    try {
      const user = makeUser();
      await repo.save({ ...user, name: "v1" });
      await hold.arrived; // worker-a read v1 and is about to take its key
      workers.push(repo.startWorker({ consumer: "worker-b", pollMs: 20, retryBaseMs: 20 }));
      await repo.save({ ...user, name: "v2" });
      await until(() => table.writes.length > 0, 5_000); // worker-b took the key and wrote v2
      hold.release();
      await repo.flush(10_000);
      await sleep(200);
      expect(table.writes.at(-1)).toBe(`${user.id}=v2`);
      expect(table.rows.get(user.id)?.name).toBe("v2");
      expect((await repo.get(user.id))?.name).toBe("v2");
      // Nothing of the key's bookkeeping stays behind without an expiry once its queue is empty.
      const keys = await suite.redis.keys(`${keyPrefix}*`);
      const forever = [];
      for (const key of keys) if ((await suite.redis.pttl(key)) === -1) forever.push(key);
      expect(forever.filter((key) => !key.includes(":q"))).toEqual([]);
    } finally {
      hold.release();
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });

  it("an entry of a worker that died after reading it, claimed after a later write of its key landed, is never written", async () => {
    const table = new PlainTable();
    const keyPrefix = `${suite.prefix}${randomUUID()}:`;
    const repo = new WriteBehindUserRepository(
      { redis: suite.redis, source: table, keyPrefix, encryptionKeys },
      unversionedUser,
    );
    const user = makeUser();
    await repo.save({ ...user, name: "v1" });
    const streams = await scanKeys(suite.redis, `${keyPrefix}*`, "stream");
    expect(streams).toHaveLength(1);
    // A worker reads v1 and dies before it takes the key or writes anything.
    await suite.redis.xreadgroup("GROUP", CONSUMER_GROUP, "dead", "COUNT", 10, "STREAMS", streams[0]!, ">");
    await repo.save({ ...user, name: "v2" });
    const worker = repo.startWorker({ consumer: "live", pollMs: 20, minIdleMs: 300 });
    try {
      await repo.flush(10_000); // v2 written, then v1 claimed from the dead worker once idle 300 ms
      expect(table.writes).toEqual([`${user.id}=v2`]);
      expect((await repo.get(user.id))?.name).toBe("v2");
    } finally {
      await worker.stop();
    }
  });

  it("replayDeadLetters() does not queue a dead letter again over a write of its key queued since", async () => {
    const table = new PlainTable();
    const keyPrefix = `${suite.prefix}${randomUUID()}:`;
    const repo = new WriteBehindUserRepository(
      { redis: suite.redis, source: table, keyPrefix, encryptionKeys },
      unversionedUser,
    );
    const user = makeUser();
    table.refuse.add("v1");
    let worker = repo.startWorker({ pollMs: 20, retryBaseMs: 10 });
    await repo.save({ ...user, name: "v1" });
    await repo.flush(10_000); // v1 refused maxAttempts times: dead-lettered
    expect(repo.stats().deadLettered).toBe(1);
    await worker.stop();
    await repo.save({ ...user, name: "v2" }); // queued, not yet written
    table.refuse.clear();
    expect(await repo.replayDeadLetters({})).toBe(1);
    worker = repo.startWorker({ pollMs: 20 });
    try {
      await repo.flush(10_000);
      expect(table.writes).toEqual([`${user.id}=v2`]);
      expect((await repo.get(user.id))?.name).toBe("v2");
    } finally {
      await worker.stop();
    }
  });
});
