// The retry queue's fallback, revoking a whole namespace, on a cluster: every bucket epoch bumped,
// then each master scanned (the entity's keys are on every master).
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { UserRepository } from "../runtime/fixtures/user.js";
import { encryptionKeys, makeUser, UserStoreWithMany } from "../runtime/helpers.js";
import { SpawnedCluster } from "../support/redis-cluster.js";

let cluster: SpawnedCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await SpawnedCluster.start();
  client = cluster.client();
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

describe("namespace revocation on a cluster", () => {
  it("revokes every entry of the namespace on every master, and a fill in flight", async () => {
    const source = new UserStoreWithMany();
    const users = Array.from({ length: 300 }, () => source.put(makeUser()));
    const repo = new UserRepository({
      redis: client as RedisClient,
      source,
      keyPrefix: "ns",
      encryptionKeys,
      timeoutMs: 2_000,
    });
    await repo.getMany(users.map((u) => u.id));
    const masters = await cluster.masters();
    const perMaster = async () =>
      Promise.all(
        masters.map(async (m) => {
          const node = cluster.nodeClient(m.port);
          try {
            return await node.dbsize();
          } finally {
            node.disconnect();
          }
        }),
      );
    expect((await perMaster()).every((n) => n > 0)).toBe(true);

    const late = source.put(makeUser());
    const hold = source.holdNextLoad();
    const read = repo.get(late.id); // a fill in flight, its lease taken before the revocation
    await hold.loaded;
    const invalidator = (repo as unknown as { invalidator: { revokeNamespaces(): Promise<boolean> } }).invalidator;
    expect(await invalidator.revokeNamespaces()).toBe(true);
    hold.release();
    await read;

    for (const user of users) expect(await client.exists(repo.keyOf(user.id))).toBe(0);
    expect(await client.exists(repo.keyOf(late.id))).toBe(0); // the epoch of its bucket refused the fill
    expect(repo.stats().redisErrors).toBe(0);
  }, 60_000);
});
