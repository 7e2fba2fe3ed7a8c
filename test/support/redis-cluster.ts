import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { Cluster, Redis, type ClusterOptions } from "ioredis";
import { freePort } from "./free-port.js";
import { SpawnedRedis } from "./redis-server.js";
import { until } from "./wait.js";

/** One node as CLUSTER NODES describes it. */
export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly role: "master" | "replica";
  /** For a replica, the id of its master. */
  readonly masterId: string | undefined;
  /** Slot ranges a master serves, inclusive. */
  readonly slots: readonly (readonly [number, number])[];
  /** CLUSTER NODES flags, e.g. `fail`, `myself`. */
  readonly flags: readonly string[];
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535 || taken.has(port) || taken.has(port + 10000)) continue;
    if (await portIsFree(port + 10000)) return port;
  }
}

/**
 * A Redis Cluster of our own on loopback: `masters` masters with `replicasPerMaster` replicas each
 * (default 3 + 3), slots spread by `redis-cli --cluster create`. For tests that shard, kill a master
 * or migrate slots. `stop()` kills every node and removes their folders.
 */
export class SpawnedCluster {
  private constructor(readonly servers: readonly SpawnedRedis[]) {}

  static async start(options: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number } = {}) {
    const { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 1500 } = options;
    const count = masters * (1 + replicasPerMaster);
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port).add(port + 10000);
      ports.push(port);
    }
    const servers = await Promise.all(
      ports.map((port) =>
        SpawnedRedis.start(
          [
            ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
            ...["--cluster-node-timeout", String(nodeTimeoutMs)],
            // a replica may take over however long it was cut off: tests kill masters on purpose
            ...["--cluster-replica-validity-factor", "0"],
          ],
          undefined,
          port,
        ),
      ),
    );
    const cluster = new SpawnedCluster(servers);
    const created = spawnSync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...ports.map((port) => `127.0.0.1:${port}`),
        "--cluster-replicas",
        String(replicasPerMaster),
        "--cluster-yes",
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (created.status !== 0) {
      await cluster.stop();
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
    }
    await cluster.waitUntilHealthy();
    return cluster;
  }

  get ports(): number[] {
    return this.servers.map((server) => server.port);
  }

  /** Startup nodes for an ioredis `Cluster`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: "127.0.0.1", port }));
  }

  /** An ioredis Cluster client; the test closes it. Connection errors (expected in fault tests) are kept out of the output. */
  client(options: ClusterOptions = {}): Cluster {
    const cluster = new Cluster(this.startupNodes, { enableReadyCheck: true, ...options });
    cluster.on("error", () => undefined);
    return cluster;
  }

  /** A plain client for one node (admin commands, INFO). */
  nodeClient(port: number): Redis {
    const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on("error", () => undefined);
    return redis;
  }

  server(port: number): SpawnedRedis {
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no node of this cluster listens on ${port}`);
    return server;
  }

  /** CLUSTER NODES as seen from a live node (`fromPort`, else the first node that answers). */
  async nodes(fromPort?: number): Promise<ClusterNode[]> {
    for (const port of fromPort ? [fromPort] : this.ports) {
      const redis = this.nodeClient(port);
      try {
        const text = (await redis.call("CLUSTER", "NODES")) as string;
        return parseClusterNodes(text);
      } catch {
        // that node is down: ask the next
      } finally {
        redis.disconnect();
      }
    }
    throw new Error("no node of the cluster answers CLUSTER NODES");
  }

  /** The masters currently serving slots, each with its slot ranges. */
  async masters(): Promise<ClusterNode[]> {
    return (await this.nodes()).filter((n) => n.role === "master" && n.slots.length && !n.flags.includes("fail"));
  }

  /** The master serving `slot`. */
  async masterOf(slot: number): Promise<ClusterNode> {
    const master = (await this.masters()).find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!master) throw new Error(`no live master serves slot ${slot}`);
    return master;
  }

  /** Resolves when every live node reports cluster_state:ok and all 16384 slots are served. */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const live = this.servers.filter((s) => s.isRunning());
    await until(
      async () => {
        for (const server of live) {
          const redis = this.nodeClient(server.port);
          try {
            const info = (await redis.call("CLUSTER", "INFO")) as string;
            if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          } catch {
            return false;
          } finally {
            redis.disconnect();
          }
        }
        return true;
      },
      timeoutMs,
      100,
    );
  }

  /** SIGKILLs a master and waits until one of its replicas serves its slots. */
  async killMasterAndFailover(port: number, timeoutMs = 30_000): Promise<void> {
    const victim = (await this.nodes()).find((n) => n.port === port);
    if (!victim || victim.role !== "master") throw new Error(`${port} is not a master`);
    await this.server(port).kill();
    await until(
      async () => {
        try {
          const nodes = await this.nodes();
          return nodes.some(
            (n) => n.role === "master" && n.id !== victim.id && !n.flags.includes("fail") && sameSlots(n, victim),
          );
        } catch {
          return false;
        }
      },
      timeoutMs,
      100,
    );
    await this.waitUntilHealthy(timeoutMs);
  }

  /** Moves one slot and its keys from its master to `toPort` (CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE). */
  async migrateSlot(slot: number, toPort: number): Promise<void> {
    const from = await this.masterOf(slot);
    const nodes = await this.nodes();
    const to = nodes.find((n) => n.port === toPort && n.role === "master");
    if (!to) throw new Error(`${toPort} is not a master`);
    if (to.id === from.id) return;
    const source = this.nodeClient(from.port);
    const target = this.nodeClient(to.port);
    try {
      await target.call("CLUSTER", "SETSLOT", slot, "IMPORTING", from.id);
      await source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", to.id);
      for (;;) {
        const keys = (await source.call("CLUSTER", "GETKEYSINSLOT", slot, 100)) as string[];
        if (!keys.length) break;
        await source.call("MIGRATE", "127.0.0.1", to.port, "", 0, 5000, "REPLACE", "KEYS", ...keys);
      }
      for (const node of nodes.filter((n) => n.role === "master" && !n.flags.includes("fail"))) {
        const redis = this.nodeClient(node.port);
        try {
          await redis.call("CLUSTER", "SETSLOT", slot, "NODE", to.id);
        } finally {
          redis.disconnect();
        }
      }
    } finally {
      source.disconnect();
      target.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
  }
}

function sameSlots(a: ClusterNode, b: ClusterNode): boolean {
  return a.slots.length > 0 && a.slots.every(([x, y], i) => b.slots[i]?.[0] === x && b.slots[i]?.[1] === y);
}

/** Parses CLUSTER NODES text (`<id> <ip:port@bus> <flags> <master> ... <slots...>`). */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id = "", address = "", flagText = "", master = "-", , , , , ...slotParts] = line.trim().split(" ");
      const flags = flagText.split(",");
      const port = Number(/:(\d+)/.exec(address)?.[1]);
      const slots = slotParts
        .filter((part) => !part.startsWith("["))
        .map((part) => {
          const [a, b = a] = part.split("-");
          return [Number(a), Number(b)] as const;
        });
      return {
        id,
        port,
        role: flags.includes("master") ? ("master" as const) : ("replica" as const),
        masterId: master === "-" ? undefined : master,
        slots,
        flags,
      };
    });
}
