import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis, type RedisOptions } from "ioredis";
import { freePort } from "./free-port.js";
import { killOnExit } from "./kill-on-exit.js";
import type { KeyPair, TestCertificates } from "./tls-certificates.js";
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

/** A server that speaks TLS only (`--port 0 --tls-port P`): the certificate it shows, and whether clients must show one. */
export interface ServerTls {
  readonly certificates: TestCertificates;
  /** Default: `certificates.server`. */
  readonly serverCertificate?: KeyPair;
  /** `--tls-auth-clients`: `yes` refuses clients without a certificate the CA signed. */
  readonly authClients: "yes" | "optional" | "no";
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
  private tls: ServerTls | undefined;

  /** `port`: a port the caller chose (a cluster node needs port + 10000 free too); default any free one. */
  static async start(extraArgs: string[] = [], tls?: ServerTls, port?: number): Promise<SpawnedRedis> {
    const server = new SpawnedRedis();
    server.port = port ?? (await freePort());
    server.extraArgs = extraArgs;
    server.tls = tls;
    await server.startProcess();
    return server;
  }

  /** Connection options for a client of this server: host, port and, for a TLS server, the CA and the client certificate. */
  clientOptions(): RedisOptions {
    if (!this.tls) return { host: "127.0.0.1", port: this.port };
    const { ca, client } = this.tls.certificates;
    return {
      host: "127.0.0.1",
      port: this.port,
      tls: { ca, cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) },
    };
  }

  private listenArgs(): string[] {
    if (!this.tls) return ["--port", String(this.port)];
    const { certificates, serverCertificate = certificates.server, authClients } = this.tls;
    return [
      ...["--port", "0", "--tls-port", String(this.port)],
      ...["--tls-cert-file", serverCertificate.certFile, "--tls-key-file", serverCertificate.keyFile],
      ...["--tls-ca-cert-file", certificates.caFile, "--tls-auth-clients", authClients],
    ];
  }

  /** Starts (again, after `kill`) an empty server on the same port; resolves once it answers PING. */
  async startProcess(): Promise<void> {
    const child = spawn(
      "redis-server",
      [
        ...this.listenArgs(),
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
    // The probe asks only whether the server answers: it trusts whatever certificate the server shows.
    const { tls } = this.clientOptions();
    const probe = new Redis({
      ...this.clientOptions(),
      ...(tls && { tls: { ...tls, rejectUnauthorized: false } }),
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

  isRunning(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
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
