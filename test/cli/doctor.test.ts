import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { createAppUser } from "./app-user.js";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects } from "./cli-harness.js";
import { aclRefusals } from "./redis-fixtures.js";

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

async function doctor(url: string, cwd = examples, extra: readonly string[] = []) {
  const result = await runCli(cwd, ["doctor", "--redis", url, ...extra]);
  const lines = result.stdout.split("\n");
  const line = (name: string) => lines.find((candidate) => candidate.startsWith(`${name}: `)) ?? "";
  /** The indented lines under a check. */
  const details = (name: string) => {
    const start = lines.indexOf(line(name));
    const end = lines.findIndex((candidate, i) => i > start && !candidate.startsWith("  "));
    return start < 0 ? [] : lines.slice(start + 1, end).map((detail) => detail.slice(2));
  };
  return { ...result, line, details };
}

const durable = ["--appendonly", "yes", "--appendfsync", "everysec"];
/** Durable, and with a limit and a policy that suits write-behind: no warning. */
const healthy = [...durable, "--maxmemory", "256mb", "--maxmemory-policy", "volatile-lru"];

describe("cachegen doctor", () => {
  it("passes a well-configured server: every check ok, exit 0", async () => {
    const { code, stdout, line } = await doctor(await spawnRedis(healthy));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Checking redis:\/\/127\.0\.0\.1:\d+ against 7 entities in schemas\/$/m);
    expect(line("connection")).toMatch(/^connection: ok: connected to /);
    expect(line("version")).toMatch(
      /^version: ok: Redis \d+\.\d+\.\d+; the schemas need >= 6\.2\.0 \(XAUTOCLAIM, write-behind\)$/,
    );
    expect(line("maxmemory")).toMatch(/^maxmemory: ok: 256\.0 MiB, [\d.]+ [KM]iB used \(\d+\.\d%\)$/);
    expect(line("maxmemory-policy")).toBe(
      "maxmemory-policy: ok: volatile-lru, for the declared strategies when Redis is full:",
    );
    expect(line("persistence")).toMatch(
      /^persistence: ok: appendonly yes, appendfsync everysec: a crash loses at most the last second/,
    );
    expect(line("latency")).toMatch(/^latency: ok: GET x20: median [\d.]+ ms, p99 [\d.]+ ms$/);
    expect(line("auth")).toBe("auth: ok: no password; acceptable on loopback only");
    expect(line("tls")).toBe("tls: ok: not used; acceptable on loopback only");
    expect(line("cluster")).toBe("cluster: ok: standalone (not a cluster)");
    expect(line("scripting")).toBe("scripting: ok: EVAL and EVALSHA run");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("All checks passed.");
  });

  it("warns when no maxmemory is set, with the limit to set, and says what the policy will mean for each declared strategy", async () => {
    const { code, line, details, stdout } = await doctor(await spawnRedis(durable));
    expect(code).toBe(0);
    expect(line("maxmemory")).toMatch(
      /^maxmemory: warn: not set \([\d.]+ [KM]iB used\): nothing is ever evicted, so Redis grows until the machine runs out of memory, .*the write-behind queue \(app:Order:\{…\}:q, 16 partitions\) with saves not yet in the source.*: CONFIG SET maxmemory \d+mb \(half the [\d.]+ GiB this host reports; less in a container with a memory limit\), then CONFIG REWRITE to keep it$/,
    );
    expect(line("maxmemory-policy")).toBe(
      "maxmemory-policy: warn: noeviction (it acts once maxmemory is set): a full Redis refuses new entries instead of evicting old ones, so the cache stops caching; set volatile-lru: CONFIG SET maxmemory-policy volatile-lru",
    );
    expect(details("maxmemory-policy")).toEqual([
      "cache-aside (Product): fills are refused (OOM): reads go to the source and nothing new is cached until entries expire",
      "read-through (Category, Customer, Review): fills are refused (OOM): reads go to the source and nothing new is cached until entries expire",
      "write-through (Coupon, StockLevel): saves still reach the source, but fills and puts are refused (OOM): reads go to the source and nothing new is cached until entries expire",
      "write-behind (Order): saves reject with CacheUnavailableError (not acknowledged, so nothing is lost); values already written to the source are not evicted to make room, so Redis stays full until their TTLs run out",
    ]);
    expect(stdout).toContain("0 errors, 2 warnings.");
  });

  it("explains a volatile-* policy per strategy: cache entries are evicted, the write-behind queue never", async () => {
    const { line, details } = await doctor(
      await spawnRedis([...durable, "--maxmemory", "256mb", "--maxmemory-policy", "volatile-lfu"]),
    );
    expect(line("maxmemory-policy")).toBe(
      "maxmemory-policy: ok: volatile-lfu, for the declared strategies when Redis is full:",
    );
    expect(details("maxmemory-policy")).toEqual([
      "cache-aside (Product): every entry has a TTL, so volatile-lfu can evict any of them; an evicted entry is a miss, loaded again from the source: fine",
      "read-through (Category, Customer, Review): every entry has a TTL, so volatile-lfu can evict any of them; an evicted entry is a miss, loaded again from the source: fine",
      "write-through (Coupon, StockLevel): every entry has a TTL, so volatile-lfu can evict any of them; an evicted entry is a miss, loaded again from the source: fine",
      "write-behind (Order): only keys with a TTL are evicted, values already written to the source; the queue and values still queued have none, so they stay; if they alone fill the memory, saves reject with CacheUnavailableError (nothing acknowledged is lost)",
    ]);
  });

  it("warns when an allkeys-* policy could evict the write-behind queue, and says what to set", async () => {
    const { code, line, details, stdout } = await doctor(
      await spawnRedis([...durable, "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"]),
    );
    expect(code).toBe(0);
    expect(line("maxmemory-policy")).toMatch(
      /^maxmemory-policy: warn: allkeys-lru can evict the write-behind queue .*CONFIG SET maxmemory-policy volatile-lru$/,
    );
    expect(details("maxmemory-policy")).toContain(
      "write-behind (Order): allkeys-lru can evict the queue (app:Order:{…}:q, 16 partitions) and values whose write is still queued (neither expires): saves already acknowledged are lost before they reach the source",
    );
    expect(details("maxmemory-policy")).toContain(
      "read-through (Category, Customer, Review): allkeys-lru evicts entries to make room; an evicted entry is a miss, loaded again from the source: fine for a cache",
    );
    expect(stdout).toContain("0 errors, 1 warning.");
  });

  it("is content with allkeys-lru for a cache-only deployment, and recommends it over noeviction", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const { code, line, details } = await doctor(
      await spawnRedis(["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"]),
      cwd,
    );
    expect(code).toBe(0);
    expect(line("maxmemory-policy")).toBe(
      "maxmemory-policy: ok: allkeys-lru, for the declared strategies when Redis is full:",
    );
    expect(details("maxmemory-policy")).toEqual([
      "cache-aside (Team): allkeys-lru evicts entries to make room; an evicted entry is a miss, loaded again from the source: fine for a cache",
    ]);
    expect(line("persistence")).toMatch(/^persistence: ok: not needed: no entity uses write-behind/);
    expect(line("version")).toMatch(/the schemas need >= 4\.0\.0 \(UNLINK, read\)$/);

    const full = await doctor(await spawnRedis(["--maxmemory", "256mb", "--maxmemory-policy", "noeviction"]), cwd);
    expect(full.line("maxmemory-policy")).toBe(
      "maxmemory-policy: warn: noeviction: a full Redis refuses new entries instead of evicting old ones, so the cache stops caching; set allkeys-lru: CONFIG SET maxmemory-policy allkeys-lru",
    );
  });

  it("warns that noeviction makes writes fail (and reads fail open) when Redis is full", async () => {
    const { line, details } = await doctor(
      await spawnRedis([...durable, "--maxmemory", "10mb", "--maxmemory-policy", "noeviction"]),
    );
    expect(line("maxmemory")).toMatch(/^maxmemory: ok: 10\.0 MiB, /);
    expect(line("maxmemory-policy")).toMatch(
      /^maxmemory-policy: warn: noeviction: a full Redis refuses new entries .*CONFIG SET maxmemory-policy volatile-lru$/,
    );
    expect(details("maxmemory-policy")).toContain(
      "write-behind (Order): saves reject with CacheUnavailableError (not acknowledged, so nothing is lost); values already written to the source are not evicted to make room, so Redis stays full until their TTLs run out",
    );
  });

  it("warns, with the config to set, when write-behind has no persistence or only RDB snapshots", async () => {
    const none = await doctor(await spawnRedis());
    expect(none.code).toBe(0);
    expect(none.line("persistence")).toBe(
      'persistence: warn: appendonly no and no RDB save points (save ""): queued write-behind saves of Order are lost if Redis stops; turn on the AOF: CONFIG SET appendonly yes (appendfsync everysec is the default), then CONFIG REWRITE to keep it across restarts',
    );
    const snapshots = await doctor(await spawnRedis(["--save", "60 1"]));
    expect(snapshots.line("persistence")).toMatch(
      /^persistence: warn: RDB snapshots only \(save 60 1\): write-behind saves of Order acknowledged since the last snapshot are lost if Redis dies; turn on the AOF: CONFIG SET appendonly yes/,
    );
    const lazyFsync = await doctor(await spawnRedis(["--appendonly", "yes", "--appendfsync", "no"]));
    expect(lazyFsync.line("persistence")).toMatch(
      /^persistence: warn: appendonly yes but appendfsync no: .*CONFIG SET appendfsync everysec$/,
    );
  });

  it("fails (exit 1) when the password is missing or wrong, saying authentication failed (not that Redis is down)", async () => {
    const url = await spawnRedis(durable);
    const admin = new Redis(url);
    await admin.config("SET", "requirepass", "s3cret");
    await admin.call("ACL", "SETUSER", "reader", "on", ">right-one", "~*", "+@all");
    admin.disconnect();
    const anonymous = await doctor(url);
    expect(anonymous.code).toBe(1);
    expect(anonymous.line("connection")).toMatch(
      /^connection: error: authentication failed at redis:\/\/127\.0\.0\.1:\d+ as default: NOAUTH .*: the server requires a password; put the user and password in the URL: redis:\/\/<user>:<password>@<host>:<port>/,
    );
    const wrong = await doctor(url.replace("redis://", "redis://:nope@"));
    expect(wrong.code).toBe(1);
    expect(wrong.line("connection")).toMatch(
      /^connection: error: authentication failed at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ as default: WRONGPASS .*: the user or password in the URL is wrong, or the user is off; put the right ones in the URL .*ACL GETUSER <user>\)$/,
    );
    const wrongUser = await doctor(url.replace("redis://", "redis://reader:nope@"));
    expect(wrongUser.line("connection")).toMatch(
      /^connection: error: authentication failed at redis:\/\/reader:\*\*\*@127\.0\.0\.1:\d+ as reader: WRONGPASS /,
    );
    for (const { stdout } of [anonymous, wrong, wrongUser]) {
      expect(stdout).not.toContain("start Redis there");
      expect(stdout).not.toContain("cannot reach");
      expect(stdout).not.toContain("nope");
    }
    const right = await doctor(url.replace("redis://", "redis://:s3cret@"));
    expect(right.code).toBe(0);
    expect(right.line("auth")).toBe("auth: ok: authenticated as default");
    const inQuery = await doctor(`${url}?password=s3cret`);
    expect(inQuery.code).toBe(0);
    expect(inQuery.line("auth")).toBe("auth: ok: authenticated as default");
  });

  it("runs as the application's least-privilege user under its own key prefix: no warning from doctor's own probes", async () => {
    const url = await spawnRedis(healthy);
    const admin = new Redis(url);
    const { password } = await createAppUser(admin, examples, "shop", ["--key-prefix", "shop"]);

    const { code, stdout, line } = await doctor(url.replace("redis://", `redis://shop:${password}@`), examples, [
      "--key-prefix",
      "shop",
    ]);
    expect(stdout).not.toContain(": warn: ");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("All checks passed.");
    expect(code).toBe(0);
    expect(line("auth")).toBe("auth: ok: authenticated as shop");
    expect(line("latency")).toMatch(/^latency: ok: GET x20: median/);
    expect(line("persistence")).toBe("persistence: ok: appendonly yes (appendfsync unknown: CONFIG GET refused)");
    expect(line("scripting")).toBe("scripting: ok: EVAL and EVALSHA run");
    // What the server refused this user: only the CONFIG GET doctor tries for the persistence details.
    expect(await aclRefusals(admin, "shop")).toEqual(["command config|get"]);
    await admin.quit();
  });

  it("fails (exit 1) when scripting is disabled on the server", async () => {
    const { code, line, stdout } = await doctor(await spawnRedis([...healthy, "--rename-command", "EVAL", ""]));
    expect(code).toBe(1);
    expect(line("scripting")).toMatch(
      /^scripting: error: ERR unknown command 'eval'.*: scripting is disabled on this server/,
    );
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
    expect(stdout).toMatch(
      /^connection: error: cannot reach redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED .*; start Redis there, or pass --redis URL \(or set REDIS_URL\)$/m,
    );
    const tlsToPlain = await doctor((await spawnRedis()).replace("redis://", "rediss://"));
    expect(tlsToPlain.code).toBe(1);
    expect(tlsToPlain.line("connection")).toMatch(
      /^connection: error: cannot reach rediss:\/\/127\.0\.0\.1:\d+: .*; if this port does not speak TLS, use redis:\/\/$/,
    );
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
