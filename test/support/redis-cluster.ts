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
    await cluster.waitUntilEveryNodeKnows(count - masters);
    await cluster.waitUntilReplicasSynced();
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

  /** `measure(node)` on every master, each over a client of its own (closed after); per master its port and what `measure` answered. */
  async perMaster<T>(measure: (node: Redis) => Promise<T>): Promise<{ readonly port: number; readonly value: T }[]> {
    const masters = await this.masters();
    return Promise.all(
      masters.map(async (master) => {
        const node = this.nodeClient(master.port);
        try {
          return { port: master.port, value: await measure(node) };
        } finally {
          node.disconnect();
        }
      }),
    );
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
    const live = this.servers.filter((s) => s.isRunning()).map((s) => s.port);
    await this.untilEveryNode(live, ["CLUSTER", "INFO"], /cluster_state:ok[\s\S]*cluster_slots_ok:16384/, timeoutMs);
  }

  /**
   * Resolves when every node's CLUSTER NODES names `replicas` replicas: right after `--cluster
   * create` a node may still see a replica as a master (gossip), and a test that asked it would
   * count 6 masters or send SETSLOT to a replica.
   */
  private async waitUntilEveryNodeKnows(replicas: number, timeoutMs = 30_000): Promise<void> {
    await until(
      async () => {
        for (const port of this.ports) {
          const redis = this.nodeClient(port);
          try {
            const nodes = parseClusterNodes(String(await redis.call("CLUSTER", "NODES")));
            if (nodes.filter((n) => n.role === "replica").length !== replicas) return false;
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

  /**
   * Resolves when every live replica has finished its sync with its master (`master_link_status:up`):
   * before that a replica holds none of its master's keys, and a failover would lose them all.
   */
  async waitUntilReplicasSynced(timeoutMs = 30_000): Promise<void> {
    const replicas = (await this.nodes()).filter((n) => n.role === "replica" && !n.flags.includes("fail"));
    await this.untilEveryNode(
      replicas.map((n) => n.port),
      ["INFO", "replication"],
      /master_link_status:up/,
      timeoutMs,
    );
  }

  /** Polls until `command` answers text matching `expected` on every node of `ports`. */
  private async untilEveryNode(
    ports: readonly number[],
    command: readonly [string, ...string[]],
    expected: RegExp,
    timeoutMs: number,
  ): Promise<void> {
    await until(
      async () => {
        for (const port of ports) {
          const redis = this.nodeClient(port);
          try {
            if (!expected.test(String(await redis.call(...command)))) return false;
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

  /**
   * Moves one slot and its keys from its master to `toPort` (CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE).
   * `batch` keys per MIGRATE, `pauseMs` between batches: the slot stays half-moved (keys answered with ASK) that long.
   */
  async migrateSlot(slot: number, toPort: number, options: { batch?: number; pauseMs?: number } = {}): Promise<void> {
    const { batch = 100, pauseMs = 0 } = options;
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
        const keys = (await source.call("CLUSTER", "GETKEYSINSLOT", slot, batch)) as string[];
        if (!keys.length) break;
        await source.call("MIGRATE", "127.0.0.1", to.port, "", 0, 5000, "REPLACE", "KEYS", ...keys);
        if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
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
