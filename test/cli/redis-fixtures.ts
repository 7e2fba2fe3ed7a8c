import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";
import { SpawnedRedis } from "../support/redis-server.js";
import { until } from "../support/wait.js";

/**
 * A 3-master Redis Cluster of spawned servers (no replicas), ready, and an ioredis Cluster client
 * on it. The servers go into `servers` as they start, for the caller to stop.
 */
export async function startCluster(servers: SpawnedRedis[]): Promise<Cluster> {
  for (let i = 0; i < 3; i++)
    servers.push(await SpawnedRedis.start(["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${i}.conf`]));
  await promisify(execFile)("redis-cli", [
    "--cluster",
    "create",
    ...servers.map((s) => `127.0.0.1:${s.port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  for (const server of servers) {
    const node = new Redis({ host: "127.0.0.1", port: server.port });
    await until(async () => String(await node.cluster("INFO")).includes("cluster_state:ok"), 10_000, 50);
    node.disconnect();
  }
  const cluster = new Cluster([{ host: "127.0.0.1", port: servers[0]!.port }]);
  await until(() => cluster.status === "ready", 10_000);
  return cluster;
}

/** The cells of the first line of a CLI table that starts with `first` (cells are two or more spaces apart). */
export function tableRow(stdout: string, first: string): string[] {
  const line = stdout.split("\n").find((candidate) => candidate.startsWith(`${first} `));
  return line?.trim().split(/ {2,}/) ?? [];
}

/** The distinct `<reason> <object>` of what the server refused `user` (ACL LOG), sorted. */
export async function aclRefusals(admin: Redis, user: string): Promise<string[]> {
  const entries = (await admin.call("ACL", "LOG", "128")) as string[][];
  const refused = entries
    .map((entry) => Object.fromEntries(entry.flatMap((_, i) => (i % 2 === 0 ? [[entry[i], entry[i + 1]]] : []))))
    .filter((entry) => entry.username === user)
    .map((entry) => `${entry.reason} ${entry.object}`);
  return [...new Set(refused)].sort();
}
