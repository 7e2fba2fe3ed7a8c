import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis, type Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { startCluster } from "../../cli/redis-fixtures.js";
import { collectEvents, encryptionKeys, makeUser, uniquePrefix } from "../../runtime/helpers.js";
import { SpawnedRedis } from "../../support/redis-server.js";
import { until } from "../../support/wait.js";
import { UserTable, WriteBehindUserRepository } from "../../write-behind/fixtures.js";

// `durability` on a Cluster: WAIT counts the replicas of the node it is sent to, for the writes of
// that connection, so it must reach the node that ran the enqueue. Only one of the three masters
// gets a replica here: a WAIT sent to another node answers 0 and the save would reject.

const servers: SpawnedRedis[] = [];
let cluster: Cluster;
let admin: Redis;

beforeAll(async () => {
  cluster = await startCluster(servers);
  admin = new Redis({ host: "127.0.0.1", port: servers[0]!.port });
}, 60_000);

afterAll(async () => {
  admin?.disconnect();
  cluster?.disconnect();
  await Promise.all(servers.map((server) => server.stop()));
});

/** The port of the master serving `key`'s slot. */
async function masterOf(key: string): Promise<number> {
  const slot = Number(await admin.call("CLUSTER", "KEYSLOT", key));
  const ranges = (await admin.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
  return ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
}

/** Adds a spawned replica to the master on `port`; resolves once it is linked. */
async function addReplica(port: number): Promise<void> {
  const master = new Redis({ host: "127.0.0.1", port });
  const masterId = String(await master.call("CLUSTER", "MYID"));
  const replica = await SpawnedRedis.start(["--cluster-enabled", "yes", "--cluster-config-file", "nodes-replica.conf"]);
  servers.push(replica);
  await promisify(execFile)("redis-cli", [
    ...["--cluster", "add-node", `127.0.0.1:${replica.port}`, `127.0.0.1:${port}`],
    ...["--cluster-slave", "--cluster-master-id", masterId],
  ]);
  await until(async () => /slave0:.*state=online/.test(await master.info("replication")), 20_000, 100);
  master.disconnect();
}

describe("guarantee 8 (cluster): durability's WAIT reaches the node of the saved key", () => {
  it("saves of keys on the master with a replica resolve; on a master without one they reject as unknown", async () => {
    const events = collectEvents();
    const users = new WriteBehindUserRepository({
      redis: cluster as RedisClient,
      source: new UserTable(),
      keyPrefix: uniquePrefix("cluster-durability"),
      encryptionKeys,
      onEvent: events.onEvent,
      durability: { replicas: 1, timeoutMs: 200 },
    });
    const candidates = Array.from({ length: 60 }, () => makeUser());
    const masters = await Promise.all(candidates.map((user) => masterOf(users.keyOf(user.id))));
    const replicatedPort = masters[0]!;
    await addReplica(replicatedPort);
    const replicated = candidates.filter((_, i) => masters[i] === replicatedPort).slice(0, 10);
    const unreplicated = candidates.filter((_, i) => masters[i] !== replicatedPort).slice(0, 3);
    for (const user of replicated) await users.save(user);
    const outcomes = await Promise.allSettled(unreplicated.map((user) => users.save(user)));
    console.log(
      `[cluster durability] ${replicated.length} saves on the master with a replica resolved; ${outcomes.filter((o) => o.status === "rejected").length}/${unreplicated.length} on masters without one rejected`,
    );
    expect(replicated.length).toBeGreaterThanOrEqual(5);
    // One slot per entity in today's layout; once an entity's entries spread over the masters, the
    // saves on masters without a replica are tested too.
    expect(outcomes.every((outcome) => outcome.status === "rejected")).toBe(true);
    expect(events.of("durability-not-met")).toHaveLength(unreplicated.length);
    await users.close();
  }, 60_000);
});
