import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, InvalidKeyError } from "cachegen/runtime";
import {
  connect,
  encryptionKeys,
  REDIS_PORT,
  makeUser,
  recordCommands,
  uniquePrefix,
  UserRepo,
  userVariant,
  UserStore,
} from "./helpers.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { until } from "../support/wait.js";

let a: Redis;
let b: Redis;
const prefix = uniquePrefix("l1");
const withL1 = userVariant({ l1: { ttlMs: 5_000, maxEntries: 3 } });
const withLargerL1 = userVariant({ l1: { ttlMs: 5_000, maxEntries: 100 } });

beforeAll(async () => {
  [a, b] = await Promise.all([connect(), connect()]);
});

afterAll(async () => {
  await deleteByPrefix(a, prefix);
  await Promise.all([a.quit(), b.quit()]);
});

/** Reads `id` through `repo` (on client `a`) until L1 serves it: its subscriber starts lazily, and L1 keeps values once it is subscribed. */
async function servedFromL1(repo: UserRepo, id: string): Promise<void> {
  await repo.get(id);
  await until(async () => {
    await repo.get(id);
    const commands = recordCommands(a);
    await repo.get(id);
    return commands.names.length === 0;
  });
}

describe("L1 (in-process tier)", () => {
  it("serves repeated reads without Redis and is invalidated across processes by pub/sub", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repoA = new UserRepo(withL1, { redis: a, source, keyPrefix: prefix, encryptionKeys });
    const repoB = new UserRepo(withL1, { redis: b, source, keyPrefix: prefix, encryptionKeys });
    try {
      await servedFromL1(repoA, user.id);
      const mine = await repoA.get(user.id);
      mine!.name = "mutated by the caller";
      expect((await repoA.get(user.id))?.name).toBe("Ada"); // L1 hands out copies

      await repoB.save({ ...user, name: "from B" }); // another process writes
      await until(async () => (await repoA.get(user.id))?.name === "from B", 2000);
    } finally {
      await Promise.all([repoA.close(), repoB.close()]);
    }
  });

  it("is bounded by maxEntries (LRU) and cleared by tag invalidation elsewhere", async () => {
    const source = new UserStore();
    const users = Array.from({ length: 5 }, () => source.put(makeUser()));
    const repoA = new UserRepo(withL1, { redis: a, source, keyPrefix: prefix, encryptionKeys });
    const repoB = new UserRepo(withL1, { redis: b, source, keyPrefix: prefix, encryptionKeys });
    try {
      await servedFromL1(repoA, users[0]!.id);
      for (const u of users) await repoA.get(u.id);
      const commands = recordCommands(a);
      await repoA.get(users[0]!.id); // evicted (maxEntries 3): goes to Redis
      expect(commands.names).toEqual(["get"]);

      const last = users[4]!;
      commands.reset();
      await repoA.get(last.id);
      expect(commands.names).toEqual([]);
      source.put({ ...last, name: "renamed" });
      await repoB.invalidateTag({ teamId: last.teamId });
      await until(async () => (await repoA.get(last.id))?.name === "renamed", 2000);
    } finally {
      await Promise.all([repoA.close(), repoB.close()]);
    }
  });

  it("answers every key from its own entry, still rejects invalid keys, and hands out copies nothing reaches the cache through", async () => {
    const source = new UserStore();
    const users = Array.from({ length: 20 }, (_, i) => source.put(makeUser({ name: `user ${i}` })));
    const repo = new UserRepo(withLargerL1, { redis: a, source, keyPrefix: prefix, encryptionKeys });
    try {
      await servedFromL1(repo, users[0]!.id);
      for (const u of users) await repo.get(u.id);
      const commands = recordCommands(a);
      for (let round = 0; round < 3; round++) {
        for (const u of users) expect((await repo.get(u.id))?.name).toBe(u.name);
        expect((await repo.get({ id: users[round]!.id }))?.name).toBe(users[round]!.name);
      }
      expect(commands.names).toEqual([]); // every read above was an L1 hit

      for (const bad of [`${users[0]!.id} `, users[0]!.id.slice(1), "", "x".repeat(5000)]) {
        await expect(repo.get(bad)).rejects.toBeInstanceOf(InvalidKeyError);
      }

      const id = users[1]!.id;
      const mine = (await repo.get(id))!;
      mine.settings.theme = "mutated";
      mine.settings.since!.setTime(0);
      mine.roles.push("intruder");
      mine.createdAt.setTime(0);
      (mine.meta as { nested: { ok: boolean } }).nested.ok = false;
      expect(await repo.get(id)).toEqual(users[1]);
      const [x, y] = await Promise.all([repo.get(id), repo.get(id)]);
      expect(x).not.toBe(y);
      x!.roles[0] = "changed by x";
      expect(y).toEqual(users[1]);
      expect(commands.names).toEqual([]);
    } finally {
      await repo.close();
    }
  });

  it("never serves what it may have missed: it stops serving while its subscription is down, and forgets everything when it subscribes again", async () => {
    const proxy = await TcpProxy.start(REDIS_PORT);
    const viaProxy = await connect(proxy.port, { retryStrategy: () => 50 });
    const source = new UserStore();
    const user = source.put(makeUser());
    const repoA = new UserRepo(withL1, { redis: viaProxy, source, keyPrefix: prefix, encryptionKeys });
    const repoB = new UserRepo(withL1, { redis: b, source, keyPrefix: prefix, encryptionKeys });
    try {
      await repoA.get(user.id);
      await until(async () => {
        await repoA.get(user.id);
        const commands = recordCommands(viaProxy);
        await repoA.get(user.id);
        return commands.names.length === 0;
      });

      // A's connections (its client and its L1 subscriber) drop; B writes meanwhile: its
      // invalidation message reaches no one on A's side.
      await proxy.refuse();
      await until(() => viaProxy.status !== "ready", 2000);
      await repoB.save({ ...user, name: "saved while A was away" });
      expect((await repoA.get(user.id))?.name).toBe("saved while A was away"); // from the source, not L1

      await proxy.accept();
      await until(() => viaProxy.status === "ready", 5000);
      // Once subscribed again, the tier holds nothing from before: every read has the new value.
      for (let i = 0; i < 20; i++) {
        expect((await repoA.get(user.id))?.name).toBe("saved while A was away");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await Promise.all([repoA.close(), repoB.close()]);
      viaProxy.disconnect();
      await proxy.close();
    }
  });

  it("leaves nothing on the application's client once closed: repositories made and closed over one client add no listeners", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const listeners = () => a.listenerCount("end");
    const before = listeners();
    for (let i = 0; i < 12; i++) {
      const repo = new UserRepo(withL1, { redis: a, source, keyPrefix: prefix, encryptionKeys });
      await repo.get(user.id); // starts its subscriber
      await repo.close();
    }
    expect(listeners()).toBe(before);
  });
});
