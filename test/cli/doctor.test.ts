import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { createAppUser } from "./app-user.js";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();
/** The example schemas: Order is write-behind. */
const examples = fileURLToPath(new URL("../..", import.meta.url));

const servers: SpawnedRedis[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

/** A redis-server of our own (test/support starts it with `--save "" --appendonly no`, then `args`). */
async function spawnRedis(args: string[] = []): Promise<string> {
  const server = await SpawnedRedis.start(args);
  servers.push(server);
  return `redis://127.0.0.1:${server.port}`;
}

async function doctor(url: string, cwd = examples) {
  const result = await runCli(cwd, ["doctor", "--redis", url]);
  const line = (name: string) => result.stdout.split("\n").find((candidate) => candidate.startsWith(`${name}: `)) ?? "";
  return { ...result, line };
}

const durable = ["--appendonly", "yes", "--appendfsync", "everysec"];

describe("cachegen doctor", () => {
  it("passes a well-configured server: every check ok, exit 0", async () => {
    const { code, stdout, line } = await doctor(await spawnRedis([...durable, "--maxmemory", "256mb", "--maxmemory-policy", "volatile-lru"]));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Checking redis:\/\/127\.0\.0\.1:\d+ against 7 entities in schemas\/$/m);
    expect(line("connection")).toMatch(/^connection: ok: connected to /);
    expect(line("version")).toMatch(/^version: ok: Redis \d+\.\d+\.\d+; the schemas need >= 6\.2\.0 \(XAUTOCLAIM, write-behind\)$/);
    expect(line("maxmemory-policy")).toBe("maxmemory-policy: ok: volatile-lru, maxmemory 256.0 MiB: only expiring cache entries are evicted, never the write-behind queue");
    expect(line("persistence")).toMatch(/^persistence: ok: appendonly yes, appendfsync everysec: a crash loses at most the last second/);
    expect(line("latency")).toMatch(/^latency: ok: PING x20: median [\d.]+ ms, p99 [\d.]+ ms$/);
    expect(line("auth")).toBe("auth: ok: no password; acceptable on loopback only");
    expect(line("tls")).toBe("tls: ok: not used; acceptable on loopback only");
    expect(line("cluster")).toBe("cluster: ok: standalone (not a cluster)");
    expect(line("scripting")).toBe("scripting: ok: EVAL and EVALSHA run");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("All checks passed.");
  });

  it("warns when an allkeys-* policy could evict the write-behind queue, and says what to set", async () => {
    const { code, line, stdout } = await doctor(await spawnRedis([...durable, "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"]));
    expect(code).toBe(0);
    expect(line("maxmemory-policy")).toMatch(/^maxmemory-policy: warn: allkeys-lru can evict the write-behind queue \(app:\{Order\}:q\) .*CONFIG SET maxmemory-policy volatile-lru$/);
    expect(stdout).toContain("0 errors, 1 warning.");
  });

  it("does not mind allkeys-* when no entity uses write-behind", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const { code, line } = await doctor(await spawnRedis(["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"]), cwd);
    expect(code).toBe(0);
    expect(line("maxmemory-policy")).toBe("maxmemory-policy: ok: allkeys-lru, maxmemory 256.0 MiB");
    expect(line("persistence")).toMatch(/^persistence: ok: not needed: no entity uses write-behind/);
    expect(line("version")).toMatch(/the schemas need >= 4\.0\.0 \(UNLINK, read\)$/);
  });

  it("warns that noeviction with a tiny maxmemory makes writes fail (and reads fail open)", async () => {
    const { line } = await doctor(await spawnRedis([...durable, "--maxmemory", "10mb", "--maxmemory-policy", "noeviction"]));
    expect(line("maxmemory-policy")).toMatch(/^maxmemory-policy: warn: noeviction with maxmemory 10\.0 MiB .*refused \(OOM\); reads then fail open to the source and write-behind saves reject; raise maxmemory/);
  });

  it("warns, with the config to set, when write-behind has no persistence or only RDB snapshots", async () => {
    const none = await doctor(await spawnRedis());
    expect(none.code).toBe(0);
    expect(none.line("persistence")).toBe(
      'persistence: warn: appendonly no and no RDB save points (save ""): queued write-behind saves of Order are lost if Redis stops; turn on the AOF: CONFIG SET appendonly yes (appendfsync everysec is the default), then CONFIG REWRITE to keep it across restarts',
    );
    const snapshots = await doctor(await spawnRedis(["--save", "60 1"]));
    expect(snapshots.line("persistence")).toMatch(/^persistence: warn: RDB snapshots only \(save 60 1\): write-behind saves of Order acknowledged since the last snapshot are lost if Redis dies; turn on the AOF: CONFIG SET appendonly yes/);
    const lazyFsync = await doctor(await spawnRedis(["--appendonly", "yes", "--appendfsync", "no"]));
    expect(lazyFsync.line("persistence")).toMatch(/^persistence: warn: appendonly yes but appendfsync no: .*CONFIG SET appendfsync everysec$/);
  });

  it("fails (exit 1) when the password is missing or wrong, and authenticates with the right one", async () => {
    const url = await spawnRedis(durable);
    const admin = new Redis(url);
    await admin.config("SET", "requirepass", "s3cret");
    admin.disconnect();
    const anonymous = await doctor(url);
    expect(anonymous.code).toBe(1);
    expect(anonymous.line("connection")).toMatch(/^connection: error: cannot reach redis:\/\/127\.0\.0\.1:\d+: NOAUTH .*; put the right user and password in the URL/);
    const wrong = await doctor(url.replace("redis://", "redis://:nope@"));
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("redis://:***@127.0.0.1");
    expect(wrong.stdout).not.toContain("nope");
    const right = await doctor(url.replace("redis://", "redis://:s3cret@"));
    expect(right.code).toBe(0);
    expect(right.line("auth")).toBe("auth: ok: authenticated as default");
  });

  it("runs as the application's least-privilege user (no PING, no CONFIG)", async () => {
    const url = await spawnRedis(durable);
    const admin = new Redis(url);
    const { password } = await createAppUser(admin, examples, "shop");
    await admin.quit();

    const { code, line } = await doctor(url.replace("redis://", `redis://shop:${password}@`));
    expect(code).toBe(0);
    expect(line("auth")).toBe("auth: ok: authenticated as shop");
    expect(line("latency")).toMatch(/^latency: ok: GET \(PING is not granted\) x20: median/);
    expect(line("persistence")).toBe("persistence: ok: appendonly yes (appendfsync unknown: CONFIG GET refused)");
    expect(line("scripting")).toBe("scripting: ok: EVAL and EVALSHA run");
  });

  it("fails (exit 1) when scripting is disabled on the server", async () => {
    const { code, line, stdout } = await doctor(await spawnRedis([...durable, "--rename-command", "EVAL", ""]));
    expect(code).toBe(1);
    expect(line("scripting")).toMatch(/^scripting: error: ERR unknown command 'eval'.*: scripting is disabled on this server/);
    expect(stdout).toContain("1 error, 0 warnings.");
  });

  it("detects cluster mode", async () => {
    const url = await spawnRedis([...durable, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]);
    const { line } = await doctor(url);
    expect(line("cluster")).toMatch(/^cluster: ok: cluster mode: give the repositories an ioredis Cluster/);
  });

  it("fails (exit 1) when Redis cannot be reached, saying what to do", async () => {
    const { code, stdout } = await doctor(`redis://127.0.0.1:${await freePort()}`);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^connection: error: cannot reach redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED .*; start Redis there, or pass --redis URL \(or set REDIS_URL\)$/m);
  });

  it("takes REDIS_URL when --redis is absent, and refuses a URL that is not redis:// (exit 2)", async () => {
    const url = await spawnRedis(durable);
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = url;
    try {
      const fromEnvironment = await runCli(examples, ["doctor"]);
      expect(fromEnvironment.stdout).toContain(`Checking ${url} against`);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
    const refused = await runCli(examples, ["doctor", "--redis", "http://127.0.0.1:6379"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("use redis:// or rediss://");
  });
});
