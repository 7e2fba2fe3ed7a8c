import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the bench's own (same binary as the local one), for exact command counts:
 * INFO commandstats is server-wide, and the shared Redis may be serving other clients meanwhile.
 */
export class PrivateRedis {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "cgbench-redis-"));
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
    const failed = new Promise<never>((_, reject) => child.once("error", reject));
    const server = new PrivateRedis(child, dir, port);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      try {
        await Promise.race([probe.connect(), failed]);
        await probe.ping();
        probe.disconnect();
        return server;
      } catch (error) {
        probe.disconnect();
        if (Date.now() > deadline || child.exitCode !== null) {
          await server.stop();
          throw new Error(`redis-server did not start: ${(error as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGKILL");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Calls per command from INFO commandstats (`cmdstat_<name>:calls=<n>`). */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const out = new Map<string, number>();
  for (const line of info.split("\n")) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** after - before, without the INFO calls of the measurement itself. */
export function commandDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0 && name !== "info") out.set(name, d);
  }
  return out;
}
