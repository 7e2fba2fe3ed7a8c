import type { Redis } from "ioredis";
import { SpawnedRedis, resilientClient } from "./redis-server.js";
import { TcpProxy } from "./tcp-proxy.js";
import { until } from "./wait.js";

/** `INFO replication` as fields (`role`, `connected_slaves`, `master_link_status`, ...). */
export async function replicationInfo(redis: Redis): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  for (const line of (await redis.info("replication")).split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** A spawned primary and `replicaCount` spawned replicas of it (loopback, free ports), linked and in sync. */
export class ReplicatedRedis {
  private readonly admins: Redis[] = [];

  private constructor(
    readonly primary: SpawnedRedis,
    readonly replicas: SpawnedRedis[],
    /** With `throughProxy`: the proxy each replica reaches the primary through (`hang()` it to make the replica lag). */
    readonly links: TcpProxy[],
  ) {}

  static async start(replicaCount = 1, options: { throughProxy?: boolean } = {}): Promise<ReplicatedRedis> {
    const primary = await SpawnedRedis.start();
    const links = options.throughProxy
      ? await Promise.all(Array.from({ length: replicaCount }, () => TcpProxy.start(primary.port)))
      : [];
    const replicas = await Promise.all(
      Array.from({ length: replicaCount }, (_, i) =>
        SpawnedRedis.start(["--replicaof", "127.0.0.1", String(links[i]?.port ?? primary.port)]),
      ),
    );
    const set = new ReplicatedRedis(primary, replicas, links);
    await set.linked();
    return set;
  }

  /** A resilient admin connection to `server` (closed by `stop`). */
  admin(server: SpawnedRedis): Redis {
    const redis = resilientClient(server.port);
    this.admins.push(redis);
    return redis;
  }

  /** Resolves once every replica reports its link to the primary up (10 s at most). */
  async linked(): Promise<void> {
    const admins = this.replicas.map((replica) => this.admin(replica));
    await until(
      async () => {
        for (const admin of admins) {
          try {
            if ((await replicationInfo(admin)).get("master_link_status") !== "up") return false;
          } catch {
            return false;
          }
        }
        return true;
      },
      10_000,
      50,
    );
  }

  async stop(): Promise<void> {
    for (const admin of this.admins.splice(0)) admin.disconnect();
    await Promise.all(this.links.map((link) => link.close()));
    await Promise.all([this.primary, ...this.replicas].map((server) => server.stop()));
  }
}
