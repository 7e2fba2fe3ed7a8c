import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpawnedCluster } from "../support/redis-cluster.js";

// The cluster harness itself: 3 masters + 3 replicas, every slot served, a key routed, a failover.
describe("SpawnedCluster", () => {
  let cluster: SpawnedCluster;
  beforeAll(async () => {
    cluster = await SpawnedCluster.start();
  }, 60_000);
  afterAll(() => cluster?.stop());

  it("serves all slots from 3 masters with one replica each", async () => {
    const nodes = await cluster.nodes();
    expect(nodes.filter((n) => n.role === "master")).toHaveLength(3);
    expect(nodes.filter((n) => n.role === "replica")).toHaveLength(3);
    const served = (await cluster.masters()).flatMap((m) => m.slots).reduce((sum, [a, b]) => sum + b - a + 1, 0);
    expect(served).toBe(16384);
  });

  it("moves a slot with its keys, then fails a master over to its replica", async () => {
    const client = cluster.client();
    try {
      await client.set("{harness}k", "v");
      const slot = Number(await client.call("CLUSTER", "KEYSLOT", "{harness}k"));
      const from = await cluster.masterOf(slot);
      const to = (await cluster.masters()).find((m) => m.id !== from.id)!;
      await cluster.migrateSlot(slot, to.port);
      expect((await cluster.masterOf(slot)).port).toBe(to.port);
      expect(await client.get("{harness}k")).toBe("v");

      await cluster.killMasterAndFailover(to.port);
      const promoted = await cluster.masterOf(slot);
      expect(promoted.port).not.toBe(to.port);
      await client.set("{harness}k", "w");
      expect(await client.get("{harness}k")).toBe("w");
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
