import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { defineEntity, type WriteBehindWorker } from "cachegen/runtime";
import type { User, UserKey } from "../runtime/fixtures/user.js";
import { encryptionKeys, makeUser } from "../runtime/helpers.js";
import { sleep } from "../support/wait.js";
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

  async load(key: UserKey): Promise<User | null> {
    return this.rows.get(key.id) ?? null;
  }

  async loadByEmail(): Promise<User | null> {
    return null;
  }

  async save(user: User): Promise<void> {
    await sleep(this.slow.get(user.name) ?? 0);
    if (this.failOnce.delete(user.name)) throw new Error(`${user.name} failed once`);
    this.writes.push(`${user.id}=${user.name}`);
    this.rows.set(user.id, structuredClone(user));
  }

  async delete(key: UserKey): Promise<void> {
    this.rows.delete(key.id);
  }
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
});
