import type { Cluster, Redis } from "ioredis";
import { connect, REDIS_PORT } from "../runtime/helpers.js";
import type { ChildRedisInput } from "./child-side.js";
import { SpawnedCluster } from "./redis-cluster.js";

/**
 * Where a guarantee test runs: the shared single Redis, or a cluster of its own (3 masters + 3
 * replicas, spawned once per test file). A test is written once, over `targets`, and runs on both.
 */
export interface RedisTarget {
  readonly name: "single Redis" | "cluster";
  /** A new client (standalone or Cluster); the caller disconnects it. */
  client(): Promise<Redis | Cluster>;
  /** Where a child process connects (see `connectChildRedis`). */
  childRedis(): ChildRedisInput;
}

/** Both targets; call `start` in beforeAll (it spawns the cluster) and `stop` in afterAll. */
export function redisTargets(): { targets: RedisTarget[]; start(): Promise<void>; stop(): Promise<void> } {
  let cluster: SpawnedCluster | undefined;
  return {
    targets: [
      { name: "single Redis", client: () => connect(), childRedis: () => ({ redisPort: REDIS_PORT }) },
      {
        name: "cluster",
        client: async () => {
          if (!cluster) throw new Error("the cluster target was not started (call start() in beforeAll)");
          const client = cluster.client();
          await new Promise<void>((resolve, reject) => {
            client.once("ready", () => resolve());
            client.once("error", reject);
          });
          return client;
        },
        childRedis: () => {
          if (!cluster) throw new Error("the cluster target was not started (call start() in beforeAll)");
          return { redisPort: cluster.ports[0]!, clusterPorts: cluster.ports };
        },
      },
    ],
    async start() {
      cluster = await SpawnedCluster.start();
    },
    async stop() {
      await cluster?.stop();
    },
  };
}
