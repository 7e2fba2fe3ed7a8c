import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { killOnExit } from "./kill-on-exit.js";
import { until } from "./wait.js";

/**
 * A client for a server that tests kill, stop or hang: reconnects every 50 ms, gives a command one
 * retry, and keeps connection errors (expected here) out of the test output.
 */
export function resilientClient(port: number, options: Record<string, unknown> = {}): Redis {
  const redis = new Redis({ host: "127.0.0.1", port, retryStrategy: () => 50, maxRetriesPerRequest: 1, ...options });
  redis.on("error", () => undefined);
  return redis;
}

/** `redis-server` is not on PATH: what to install, in one line. */
export class RedisServerMissing extends Error {
  override readonly name = "RedisServerMissing";
  constructor() {
    super(
      "the tests need the redis-server binary (they also start servers of their own, to stop and restart), and it is not on PATH: install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)",
    );
  }
}

/** Throws `RedisServerMissing` when `redis-server` cannot be run. */
export function requireRedisServer(): void {
  const probe = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw new RedisServerMissing();
}

/** A redis-server of our own on a free loopback port, for tests that kill, stop, restart or fill it. */
export class SpawnedRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "cgtest-redis-"));
  port = 0;
  private extraArgs: string[] = [];

  static async start(extraArgs: string[] = []): Promise<SpawnedRedis> {
    const server = new SpawnedRedis();
    server.port = await freePort();
    server.extraArgs = extraArgs;
    await server.startProcess();
    return server;
  }

  /** Starts (again, after `kill`) an empty server on the same port; resolves once it answers PING. */
  async startProcess(): Promise<void> {
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
        "--protected-mode",
        "yes",
        ...this.extraArgs,
      ],
      { stdio: "ignore" },
    );
    this.child = child;
    killOnExit(child);
    // No redis-server binary (ENOENT): fail at once, with the reason.
    const failed = new Promise<never>((_, reject) =>
      child.once("error", (error: NodeJS.ErrnoException) =>
        reject(error.code === "ENOENT" ? new RedisServerMissing() : error),
      ),
    );
    failed.catch(() => undefined);
    const probe = new Redis({
      host: "127.0.0.1",
      port: this.port,
      lazyConnect: true,
      retryStrategy: () => 20,
      maxRetriesPerRequest: 0,
    });
    probe.on("error", () => undefined);
    try {
      const answered = until(
        async () => {
          try {
            if (probe.status === "wait") await probe.connect();
            return (await probe.ping()) === "PONG";
          } catch {
            return false;
          }
        },
        5000,
        20,
      );
      await Promise.race([answered, failed]);
    } finally {
      probe.disconnect();
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.startProcess();
  }

  async stop(): Promise<void> {
    this.child?.kill("SIGCONT");
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Command counts from INFO commandstats (a whole-server view; use on a spawned server). */
export async function commandStats(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info("commandstats");
  const out: Record<string, number> = {};
  for (const line of info.split("\n")) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The commands counted between two `commandStats` snapshots (INFO itself left out). */
export function diffStats(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d > 0 && name !== "info") out[name] = d;
  }
  return out;
}
