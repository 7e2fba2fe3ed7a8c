import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { killOnExit } from "./kill-on-exit.js";
import { ReplicatedRedis } from "./replicated-redis.js";
import { until } from "./wait.js";

export const SENTINEL_MASTER_NAME = "cgtest";

/** `SENTINEL MASTER <name>` as fields (`ip`, `port`, `num-slaves`, `num-other-sentinels`, `flags`, ...). */
export async function sentinelMaster(sentinel: Redis, name = SENTINEL_MASTER_NAME): Promise<Map<string, string>> {
  const flat = (await sentinel.call("SENTINEL", "MASTER", name)) as string[];
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
  return fields;
}

/**
 * A spawned primary with one replica and three `redis-server --sentinel` monitoring it (quorum 2,
 * down after `downAfterMs`), on free loopback ports; resolves once every sentinel sees the replica
 * and the two other sentinels, so a failover can be authorized.
 */
export class SentinelSet {
  private readonly children: ChildProcess[] = [];
  private readonly admins: Redis[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), "cgtest-sentinel-"));
  readonly sentinelPorts: number[] = [];

  private constructor(readonly servers: ReplicatedRedis) {}

  static async start(options: { downAfterMs?: number } = {}): Promise<SentinelSet> {
    const set = new SentinelSet(await ReplicatedRedis.start(1));
    try {
      for (let i = 0; i < 3; i++) await set.startSentinel(i, options.downAfterMs ?? 1_000);
      await set.discovered();
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  /** `sentinels` for an ioredis Sentinel client. */
  get sentinels(): { host: string; port: number }[] {
    return this.sentinelPorts.map((port) => ({ host: "127.0.0.1", port }));
  }

  /** A connection to one of the sentinels (closed by `stop`). */
  sentinel(index = 0): Redis {
    const redis = new Redis({ host: "127.0.0.1", port: this.sentinelPorts[index]!, retryStrategy: () => 50 });
    redis.on("error", () => undefined);
    this.admins.push(redis);
    return redis;
  }

  /** The port of the server the sentinels name as the primary now. */
  async primaryPort(): Promise<number> {
    return Number((await sentinelMaster(this.sentinel())).get("port"));
  }

  /**
   * Starts again whichever server was killed (empty; the sentinels turn it into a replica of the
   * primary they name) and resolves once that primary has a replica in sync and every sentinel
   * knows the other two again.
   */
  async healed(): Promise<void> {
    for (const server of [this.servers.primary, ...this.servers.replicas]) {
      const probe = new Redis({ port: server.port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null });
      probe.on("error", () => undefined);
      const alive = await probe.connect().then(
        () => true,
        () => false,
      );
      probe.disconnect();
      if (!alive) await server.startProcess();
    }
    const sentinel = this.sentinel();
    await until(
      async () => {
        const replicas = (await sentinel.call("SENTINEL", "REPLICAS", SENTINEL_MASTER_NAME)) as string[][];
        const field = (fields: string[], name: string) => fields[fields.indexOf(name) + 1];
        return replicas.some(
          (fields) => field(fields, "flags") === "slave" && field(fields, "master-link-status") === "ok",
        );
      },
      30_000,
      100,
    );
    await this.discovered();
  }

  private async startSentinel(index: number, downAfterMs: number): Promise<void> {
    const port = await freePort();
    const file = join(this.dir, `sentinel-${index}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${this.dir}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${this.servers.primary.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${downAfterMs}`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        "",
      ].join("\n"),
    );
    const child = spawn("redis-server", [file, "--sentinel"], { stdio: "ignore" });
    killOnExit(child);
    this.children.push(child);
    this.sentinelPorts.push(port);
    const probe = this.sentinel(index);
    await until(
      async () => {
        try {
          return (await probe.ping()) === "PONG";
        } catch {
          return false;
        }
      },
      5_000,
      20,
    );
  }

  private async discovered(): Promise<void> {
    const sentinels = this.sentinelPorts.map((_, i) => this.sentinel(i));
    await until(
      async () => {
        for (const sentinel of sentinels) {
          const master = await sentinelMaster(sentinel).catch(() => new Map<string, string>());
          if (master.get("num-slaves") !== "1" || master.get("num-other-sentinels") !== "2") return false;
        }
        return true;
      },
      20_000,
      100,
    );
  }

  async stop(): Promise<void> {
    for (const admin of this.admins.splice(0)) admin.disconnect();
    for (const child of this.children) child.kill("SIGKILL");
    await this.servers.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
