import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { CategoryRepository } from "../../generated/category.js";
import { OrderRepository, type Order } from "../../generated/order.js";
import { resolveConfig } from "../../src/config.js";
import { projectKeys, type ProjectKeys } from "../../src/redis-checks/entity-layout.js";
import { CONSUMER_GROUP } from "../../src/runtime/keys.js";
import { readProject } from "../../src/read-project.js";
import { freePort } from "../support/free-port.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { until } from "../support/wait.js";
import { createAppUser } from "./app-user.js";
import { requireBuiltCli, runCli, startCli } from "./cli-harness.js";
import * as example from "./example-entities.js";
import { MemorySource } from "./example-entities.js";
import { startCluster, tableRow } from "./redis-fixtures.js";

requireBuiltCli();
/** The example schemas, key prefix "app". */
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

let keys: ProjectKeys;
beforeAll(async () => {
  keys = projectKeys((await readProject(await resolveConfig({ cwd: packageRoot }))).model!);
});

const customerId = "9e1d7c3b-0a5f-4e2d-8b6c-4f3a2d1e0c9b";
const order = (id: string): Order => ({
  id,
  customerId,
  status: "pending",
  lines: [],
  totalCents: 0n,
  placedAt: new Date("2024-03-01T10:00:00.000Z"),
  revision: 1,
});

/**
 * Known contents, written as an application would: 3 cached categories, 2 queued orders (no worker),
 * 2 dead letters of Order, a Category key of an earlier deploy's namespace and a key of no entity.
 */
async function seed(redis: RedisClient): Promise<void> {
  const categories = new MemorySource((c: typeof example.category) => ({ id: c.id }));
  categories.put(...[1, 2, 3].map((id) => ({ ...example.category, id })));
  await new CategoryRepository({ redis, source: categories }).getMany([1, 2, 3]);
  const orders = new OrderRepository({ redis, source: new MemorySource((o: Order) => ({ id: o.id })) });
  await orders.save(order("3d6f0c1e-9a4b-4f7e-8a2d-5b1c9e0f7a21"));
  await orders.save(order("5b1c9e0f-7a21-4f7e-8a2d-3d6f0c1e9a4b"));
  const [deadLetters] = place("Order").deadLetterKeys;
  await redis.xadd(deadLetters!, "*", "op", "s", "key", "x", "error", "refused");
  await redis.xadd(deadLetters!, "*", "op", "s", "key", "y", "error", "refused");
  await redis.set(`${place("Category").namespacePrefix("0.deadbeef")}v:1`, "v|0||{}", "PX", 60_000);
  await redis.set("app:{Legacy}:1.abc:v:1", "v|0||{}");
}

function place(entity: string) {
  return keys.entities.find((candidate) => candidate.entity.name === entity)!;
}

/** A worker that took one queued entry and has not acknowledged it: the queue's "in flight". */
async function takeOneEntry(redis: RedisClient): Promise<void> {
  for (const stream of place("Order").queueKeys) {
    if (Number(await redis.xlen(stream)) === 0) continue;
    // The save that created the stream created its consumer group too.
    await redis.xreadgroup("GROUP", CONSUMER_GROUP, "monitor-test", "COUNT", 1, "STREAMS", stream, ">");
    return;
  }
}

describe("cachegen monitor --once on one server", () => {
  let server: SpawnedRedis;
  let url: string;
  let admin: Redis;

  beforeAll(async () => {
    server = await SpawnedRedis.start(["--maxmemory", "256mb", "--maxmemory-policy", "volatile-lru"]);
    url = `redis://127.0.0.1:${server.port}`;
    admin = new Redis(url, { lazyConnect: true });
    await admin.connect();
    await seed(admin);
    await takeOneEntry(admin);
  });

  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });

  it("prints one plain snapshot: the server's figures and, per entity, its keys, queue and dead letters, exactly", async () => {
    await admin.config("RESETSTAT");
    const category = new CategoryRepository({
      redis: admin,
      source: new MemorySource((c: typeof example.category) => ({ id: c.id })),
    }).keyOf(1);
    for (let i = 0; i < 3; i++) await admin.get(category);
    await admin.get("app:absent");
    const clientsBefore = Number(/connected_clients:(\d+)/.exec(await admin.info("clients"))![1]);

    const { code, stdout, stderr } = await runCli(packageRoot, ["monitor", "--once", "--redis", url]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).not.toContain("\u001b");
    expect(stdout.split("\n")[0]).toBe(`cachegen monitor: ${url}, 1 node, key prefix "app:"`);

    const [node, ratio, hits, misses, ops, memory, evicted, clients] = tableRow(stdout, `127.0.0.1:${server.port}`);
    expect(node).toBe(`127.0.0.1:${server.port}`);
    expect([ratio, hits, misses, evicted]).toEqual(["75.0%", "3", "1", "0"]);
    expect(ops).toMatch(/^\d+$/);
    expect(memory).toMatch(/^[\d.]+ [KM]iB of 256\.0 MiB \(\d+\.\d%\)$/);
    expect(clients).toBe(String(clientsBefore + 1)); // the test's connection and the monitor's

    expect(tableRow(stdout, "Category")).toEqual(["Category", "read-through", "3", "1", "—", "—", "—"]);
    const orders = tableRow(stdout, "Order");
    expect(orders.slice(0, 2)).toEqual(["Order", "write-behind"]);
    expect(orders.slice(4)).toEqual(["2", "1", "2"]); // queued, in flight, dead letters
    expect(tableRow(stdout, "Coupon")).toEqual(["Coupon", "write-through", "0", "0", "—", "—", "—"]);

    // Every key of the database is counted once: entity keys, old keys, the key of no entity, and the streams.
    const counted = keys.entities.reduce(
      (sum, { entity }) => sum + Number(tableRow(stdout, entity.name)[2]) + Number(tableRow(stdout, entity.name)[3]),
      0,
    );
    const streams = await admin.exists(...place("Order").queueKeys, ...place("Order").deadLetterKeys);
    expect(counted + 1 + streams).toBe(await admin.dbsize());

    expect(stdout).toContain(
      "Hits, misses and evicted keys since the server started (or CONFIG RESETSTAT); ops/s as Redis estimates it now (instantaneous_ops_per_sec).",
    );
    expect(stdout).toContain(
      "Keys: SCAN MATCH app:* COUNT 1000 on 1 node, one complete pass; old keys are in the namespaces of earlier deploys. 1 other key under the prefix belong to no entity in the schemas (see cachegen inspect).",
    );
  });

  it("counts under the app's own key prefix with --key-prefix", async () => {
    const { code, stdout } = await runCli(packageRoot, [
      "monitor",
      "--once",
      "--redis",
      url,
      "--key-prefix",
      "elsewhere",
    ]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe(`cachegen monitor: ${url}, 1 node, key prefix "elsewhere:"`);
    expect(tableRow(stdout, "Category")[2]).toBe("0");
    expect(tableRow(stdout, "Order").slice(4)).toEqual(["0", "0", "0"]);
  });

  it("redraws in place every interval on a terminal, and appends plain frames into a pipe; Ctrl-C ends it with 0", async () => {
    const piped = startCli(packageRoot, ["monitor", "--redis", url, "--interval", "100ms"]);
    let output = "";
    piped.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => piped.on("exit", resolve));
    await until(() => output.split("cachegen monitor:").length > 3, 20_000, 20);
    piped.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output).not.toContain("\u001b");
    expect(output).toContain(", every 100ms (Ctrl-C to stop)");
    expect(output).toContain("Hits, misses and evicted keys during the last 100ms; ops/s over the same time.");
    expect(output).toContain(
      "counted incrementally, at most 10 SCAN calls (10 per node) each refresh; shown from the last complete pass",
    );

    // `script` gives the command a terminal: each frame starts by going home and clearing the screen.
    // Ctrl-C comes after 12 s: on a loaded CI machine a CLI took longer than 6 s to start and set up
    // its SIGINT handler, and the signal then ended it with 130.
    const bin = fileURLToPath(new URL("../../bin/cachegen.js", import.meta.url));
    const command = `timeout --preserve-status -s INT 12 ${process.execPath} ${bin} monitor --redis ${url} --interval 100ms`;
    const { stdout } = await promisify(execFile)("script", ["-qec", command, "/dev/null"], {
      cwd: packageRoot,
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(stdout).toContain("\u001b[H\u001b[Jcachegen monitor: ");
  }, 60_000);

  it("keeps watching while the server is down, says so, and resumes when it is back", async () => {
    const own = await SpawnedRedis.start();
    try {
      const live = startCli(packageRoot, [
        "monitor",
        "--redis",
        `redis://127.0.0.1:${own.port}`,
        "--interval",
        "100ms",
      ]);
      let output = "";
      live.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => live.on("exit", resolve));
      await until(() => output.includes("Entity "), 20_000, 20);
      await own.kill();
      await until(() => output.includes("Trying again every 100ms (Ctrl-C to stop)."), 20_000, 20);
      expect(output).toMatch(
        /cachegen monitor: (cannot reach redis:\/\/127\.0\.0\.1:\d+: .*start Redis there|redis:\/\/127\.0\.0\.1:\d+: Connection is closed\.)/,
      );
      const framesBefore = output.split("\nEntity ").length;
      await own.startProcess();
      await until(() => output.split("\nEntity ").length > framesBefore, 20_000, 20);
      live.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it("exits 1 when Redis is unreachable, saying what to do", async () => {
    const { code, stderr } = await runCli(packageRoot, [
      "monitor",
      "--once",
      "--redis",
      `redis://127.0.0.1:${await freePort()}`,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^cachegen monitor: cannot reach redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED .*; start Redis there, or pass --redis URL \(or set REDIS_URL\)\n$/,
    );
    const live = await runCli(packageRoot, ["monitor", "--redis", `redis://127.0.0.1:${await freePort()}`]);
    expect(live.code).toBe(1);
  });

  it("exits 1 with advice when the user may not SCAN (the application's own user, its +scan taken away), and 2 for a bad --interval", async () => {
    const { password } = await createAppUser(admin, packageRoot, "app-user");
    const withRule = await runCli(packageRoot, [
      "monitor",
      "--once",
      "--redis",
      url.replace("redis://", `redis://app-user:${password}@`),
    ]);
    expect(withRule.stderr).toBe("");
    expect(withRule.code).toBe(0); // the rule as printed is enough on a single server, as the advice below says
    // The app's rule grants SCAN inside a script (the namespace revocation after a retry-queue overflow).
    await admin.call("ACL", "SETUSER", "app-user", "-scan");
    const { code, stderr } = await runCli(packageRoot, [
      "monitor",
      "--once",
      "--redis",
      url.replace("redis://", `redis://app-user:${password}@`),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^cachegen monitor: redis:\/\/app-user:\*\*\*@127\.0\.0\.1:\d+ failed: NOPERM .*'scan'.*; monitor needs INFO, SCAN, XLEN and XPENDING \(and CLUSTER NODES on a cluster\); the rule `cachegen acl` prints grants them all but CLUSTER NODES, so run it as that user with the rule as printed, or as an operator's user\n$/,
    );
    const interval = await runCli(packageRoot, ["monitor", "--interval", "10ms"]);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain(
      '--interval "10ms": give a duration of at least 100ms, e.g. --interval 1s or --interval 500ms',
    );
  });
});

describe("cachegen monitor --once on a cluster", () => {
  const servers: SpawnedRedis[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it("reads every primary: a row per node and a total, keys and queues wherever their slots live", async () => {
    const cluster = await startCluster(servers);
    await seed(cluster);
    await cluster.quit();

    // Connected to a node that may not hold the Order queue: figures follow the slot to its owner.
    const { code, stdout, stderr } = await runCli(packageRoot, [
      "monitor",
      "--once",
      "--redis",
      `redis://127.0.0.1:${servers[1]!.port}`,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toMatch(/, 3 cluster primaries, key prefix "app:"$/);
    for (const server of servers) expect(tableRow(stdout, `127.0.0.1:${server.port}`)).toHaveLength(8);
    expect(tableRow(stdout, "total")).toHaveLength(8);
    expect(tableRow(stdout, "Category").slice(2, 4)).toEqual(["3", "1"]);
    expect(tableRow(stdout, "Order").slice(4)).toEqual(["2", "0", "2"]);
  });
});
