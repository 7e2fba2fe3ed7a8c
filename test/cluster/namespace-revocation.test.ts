// The retry queue's fallback, revoking a whole namespace, on a cluster: every bucket epoch bumped,
// then each master scanned (the entity's keys are on every master).
import { describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { UserRepository } from "../runtime/fixtures/user.js";
import { encryptionKeys, makeUser, UserStoreWithMany } from "../runtime/helpers.js";
import { useSpawnedCluster } from "../support/use-spawned-cluster.js";

const spawned = useSpawnedCluster();

describe("namespace revocation on a cluster", () => {
  it("revokes every entry of the namespace on every master, and a fill in flight", async () => {
    const source = new UserStoreWithMany();
    const users = Array.from({ length: 300 }, () => source.put(makeUser()));
    const repo = new UserRepository({
      redis: spawned.client as RedisClient,
      source,
      keyPrefix: "ns",
      encryptionKeys,
      timeoutMs: 2_000,
    });
    await repo.getMany(users.map((u) => u.id));
    expect((await spawned.cluster.perMaster((node) => node.dbsize())).every((m) => m.value > 0)).toBe(true);

    const late = source.put(makeUser());
    const hold = source.holdNextLoad();
    const read = repo.get(late.id); // a fill in flight, its lease taken before the revocation
    await hold.loaded;
    const invalidator = (repo as unknown as { invalidator: { revokeNamespaces(): Promise<boolean> } }).invalidator;
    expect(await invalidator.revokeNamespaces()).toBe(true);
    hold.release();
    await read;

    for (const user of users) expect(await spawned.client.exists(repo.keyOf(user.id))).toBe(0);
    expect(await spawned.client.exists(repo.keyOf(late.id))).toBe(0); // the epoch of its bucket refused the fill
    expect(repo.stats().redisErrors).toBe(0);
  }, 60_000);
});
