import type { Cluster } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { SpawnedCluster } from "./redis-cluster.js";

/**
 * A SpawnedCluster for the tests of one file: started before them, stopped after them. `client`
 * is an ioredis Cluster client on it, made on first use and disconnected before the cluster stops
 * (a file that never asks for one opens no connection).
 */
export function useSpawnedCluster(): { readonly cluster: SpawnedCluster; readonly client: Cluster } {
  let cluster: SpawnedCluster | undefined;
  let client: Cluster | undefined;
  beforeAll(async () => {
    cluster = await SpawnedCluster.start();
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });
  const started = (): SpawnedCluster => {
    if (!cluster) throw new Error("the spawned cluster is not started: use it inside a test or a hook");
    return cluster;
  };
  return {
    get cluster() {
      return started();
    },
    get client() {
      return (client ??= started().client());
    },
  };
}
