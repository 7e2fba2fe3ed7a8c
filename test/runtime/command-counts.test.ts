import { randomUUID } from "node:crypto";
import { commandStats, diffStats } from "../support/redis-server.js";
import { describe, expect, it } from "vitest";
import { UserRepository } from "./fixtures/user.js";
import { encryptionKeys, makeUser, ownRedisServer, ready, UserStore } from "./helpers.js";

const own = ownRedisServer();
const prefix = "cgtest:failopen:";

describe("exact command counts (INFO commandstats on a server of our own)", () => {
  it("a hit sends exactly one GET, and nothing else", async () => {
    const redis = own.client();
    await ready(redis);
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await repo.get(user.id); // miss + fill
    const before = await commandStats(own.admin);
    await repo.get(user.id);
    expect(diffStats(before, await commandStats(own.admin))).toEqual({ get: 1 });
    redis.disconnect();
  });

  it("an invalid key sends zero commands", async () => {
    const redis = own.client();
    await ready(redis);
    const repo = new UserRepository({ redis, source: new UserStore(), keyPrefix: prefix, encryptionKeys });
    const before = await commandStats(own.admin);
    await expect(repo.get("not-a-uuid")).rejects.toThrow(/User key field "id"/);
    await expect(repo.get("")).rejects.toThrow();
    await expect(repo.getMany([randomUUID(), "\uDC00"])).rejects.toThrow();
    expect(diffStats(before, await commandStats(own.admin))).toEqual({});
    redis.disconnect();
  });
});
