import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { CategoryRepository } from "../../generated/category.js";
import { CustomerRepository } from "../../generated/customer.js";
import { OrderRepository, type Order } from "../../generated/order.js";
import { freePort } from "../support/free-port.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { createAppUser } from "./app-user.js";
import { requireBuiltCli, runCli, temporaryProjects } from "./cli-harness.js";
import * as example from "./example-entities.js";
import { MemorySource } from "./example-entities.js";
import { startCluster, tableRow } from "./redis-fixtures.js";

requireBuiltCli();
const project = temporaryProjects();
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const keyPrefix = "seeded";

/** The example schemas under the key prefix "seeded". */
async function seededProject(): Promise<string> {
  const files: Record<string, string> = { "cachegen.config.json": JSON.stringify({ keyPrefix }) };
  for (const name of await readdir(`${packageRoot}/schemas`))
    files[`schemas/${name}`] = await readFile(`${packageRoot}/schemas/${name}`, "utf8");
  return project(files);
}

/** Fills the cache the way an application would: 3 categories, 2 customers (value, index, tag set). */
async function seedThroughRepositories(redis: RedisClient): Promise<void> {
  const categories = new MemorySource((c: typeof example.category) => ({ id: c.id }));
  categories.put(...[1, 2, 3].map((id) => ({ ...example.category, id })));
  const categoryRepository = new CategoryRepository({ redis, keyPrefix, source: categories });
  await categoryRepository.getMany([1, 2, 3]);

  const customers = Object.assign(new MemorySource((c: typeof example.customer) => ({ id: c.id })), {
    loadByEmail: (email: string) => customers.findBy("email", email),
  });
  const second = { ...example.customer, id: "7a0c9f52-5d1e-4b8a-9c3f-2e6d1b0a4f77", email: "grace@example.com" };
  customers.put(example.customer, second);
  const customerRepository = new CustomerRepository({
    redis,
    keyPrefix,
    source: customers,
    encryptionKeys: example.encryptionKeys,
  });
  await customerRepository.getMany([example.customer.id, second.id]);
  await customerRepository.close();
}

/** Keys an earlier deploy left (another shape hash), and keys of an entity no schema declares. */
async function seedLeftovers(redis: RedisClient): Promise<void> {
  await redis.set(`${keyPrefix}:{Customer}:0.deadbeef:v:x`, "v|0||{}", "PX", 60_000);
  await redis.incr(`${keyPrefix}:{Customer}:0.deadbeef:e`);
  await redis.set(`${keyPrefix}:{Legacy}:1.abc:v:1`, "v|0||{}");
}

describe("cachegen inspect on one server", () => {
  let server: SpawnedRedis;
  let url: string;
  let cwd: string;

  beforeAll(async () => {
    server = await SpawnedRedis.start();
    url = `redis://127.0.0.1:${server.port}`;
    cwd = await seededProject();
    const redis = new Redis(url, { lazyConnect: true });
    await redis.connect();
    await seedThroughRepositories(redis);
    await seedLeftovers(redis);
    // A write-behind save no worker has written yet, and one entry that went to the dead letters.
    const orders = new OrderRepository({ redis, keyPrefix, source: new MemorySource((o: Order) => ({ id: o.id })) });
    await orders.save({
      id: "3d6f0c1e-9a4b-4f7e-8a2d-5b1c9e0f7a21",
      customerId: "9e1d7c3b-0a5f-4e2d-8b6c-4f3a2d1e0c9b", // not cached: its invalidation changes nothing
      status: "pending",
      lines: [],
      totalCents: 0n,
      placedAt: new Date("2024-03-01T10:00:00.000Z"),
      revision: 1,
    });
    await redis.xadd(`${keyPrefix}:{Order}:dlq`, "*", "op", "s", "key", "x", "error", "refused");
    await redis.quit();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("tabulates every entity: keys, memory, TTL spread, old namespaces, queue and dead letters", async () => {
    const { code, stdout, stderr } = await runCli(cwd, ["inspect", "--redis", url]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^redis:\/\/127\.0\.0\.1:\d+: SCAN MATCH seeded:\* COUNT 1000 on 1 node; memory and TTLs from up to 100 sampled keys per namespace$/m,
    );
    expect(stdout).toMatch(
      /^Entity +Strategy +Namespace +Keys +Memory +TTL min \/ median \/ max +Old namespaces +Queue +Dead letters$/m,
    );

    const [name, strategy, namespace, keys, memory, ttl, old, queue, deadLetters] = tableRow(stdout, "Category");
    expect([name, strategy, keys, old, queue, deadLetters]).toEqual(["Category", "read-through", "3", "—", "—", "—"]);
    expect(namespace).toMatch(/^2\.[0-9a-f]{8}$/);
    expect(memory).toMatch(/^\d+ B$/);
    expect(ttl).toMatch(/^(22h|23h|1d)[^/]* \/ (22h|23h|1d)[^/]* \/ (22h|23h|1d)[^/]*$/);

    const customer = tableRow(stdout, "Customer");
    expect(customer[3]).toBe("5"); // 2 values, 2 email index entries, 1 tag set (tier:gold)
    expect(customer[6]).toBe("2 in 1");

    const order = tableRow(stdout, "Order");
    expect(order.slice(-2)).toEqual(["1", "1"]);
    expect(order[5]).toContain("without expiry");
    expect(tableRow(stdout, "Coupon").slice(3)).toEqual(["0", "—", "—", "—", "—", "—"]);

    expect(stdout).toContain("Old namespaces, left by earlier deploys");
    expect(stdout).toMatch(
      /^ {2}Customer \{Customer\}:0\.deadbeef: 2 keys, \d+ B, 1 without expiry \(these never go by themselves\): deleteByPrefix\(redis, "seeded:\{Customer\}:0\.deadbeef:"\)$/m,
    );
    expect(stdout).toMatch(/^ {2}\{Legacy\}: 1 key$/m);
    expect(stdout).toContain(
      "Order: 1 write the source kept refusing wait in seeded:{Order}:dlq; list them with `cachegen dead-letters Order`, fix the cause, then queue them again with `cachegen dead-letters Order --replay` (a newer write of a key is kept)",
    );
    expect(stdout).not.toContain("XDEL");
  });

  it("takes the app's own keyPrefix with --key-prefix, over the configured one", async () => {
    const { code, stdout, stderr } = await runCli(packageRoot, ["inspect", "--redis", url, "--key-prefix", keyPrefix]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("SCAN MATCH seeded:* COUNT 1000 on 1 node");
    expect(tableRow(stdout, "Category")[3]).toBe("3");
    expect(tableRow(stdout, "Customer")[3]).toBe("5");
    expect(tableRow(stdout, "Order").slice(-2)).toEqual(["1", "1"]);
    const configured = await runCli(packageRoot, ["inspect", "--redis", url]);
    expect(configured.stdout).toContain("SCAN MATCH app:* COUNT 1000");
    expect(tableRow(configured.stdout, "Category")[3]).toBe("0");
  });

  it("scans only the named entity's keys", async () => {
    const { code, stdout } = await runCli(cwd, ["inspect", "--redis", url, "Category"]);
    expect(code).toBe(0);
    expect(stdout).toContain("SCAN MATCH seeded:Category:* COUNT 1000");
    expect(tableRow(stdout, "Category")[3]).toBe("3");
    expect(tableRow(stdout, "Customer")).toEqual([]);
    expect(stdout).not.toContain("{Legacy}");
  });

  it("exits 1 for an unknown entity, listing the known ones", async () => {
    const { code, stderr } = await runCli(cwd, ["inspect", "--redis", url, "customer"]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'cachegen inspect: no entity "customer" in the schemas; did you mean `Customer`?; known entities: Category, Coupon, Customer, Order, Product, Review, StockLevel\n',
    );
  });

  it("exits 1 with advice when the user may not SCAN (the application's own user, its +scan taken away)", async () => {
    const admin = new Redis(url);
    const { password } = await createAppUser(admin, cwd, "shop");
    const asAppUser = url.replace("redis://", `redis://shop:${password}@`);
    // The rule as printed is enough, but for the memory column, as the advice below says.
    const withRule = await runCli(cwd, ["inspect", "--redis", asAppUser]);
    expect(withRule.stderr).toBe("");
    expect(withRule.code).toBe(0);
    expect(tableRow(withRule.stdout, "Category")[4]).toBe("n/a (MEMORY USAGE refused)");
    // The app's rule grants SCAN inside a script (the namespace revocation after a retry-queue overflow).
    await admin.call("ACL", "SETUSER", "shop", "-scan");
    await admin.quit();
    const { code, stderr } = await runCli(cwd, ["inspect", "--redis", asAppUser]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^cachegen inspect: redis:\/\/shop:\*\*\*@127\.0\.0\.1:\d+ failed: NOPERM .*'scan'.*; inspect needs SCAN, PTTL, XLEN and XPENDING \(and MEMORY USAGE for its memory column\); the rule `cachegen acl` prints grants them all but MEMORY USAGE, so run it as that user with the rule as printed, or as an operator's user\n$/,
    );
  });

  it("exits 1 when Redis cannot be reached, and 2 for two entity names", async () => {
    const unreachable = await runCli(cwd, ["inspect", "--redis", `redis://127.0.0.1:${await freePort()}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^cachegen inspect: cannot reach redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED .*; start Redis there/,
    );
    const twoNames = await runCli(cwd, ["inspect", "--redis", url, "Category", "Customer"]);
    expect(twoNames.code).toBe(2);
  });
});

describe("cachegen inspect on a cluster", () => {
  const servers: SpawnedRedis[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it("scans every primary and counts the keys of each entity wherever its slot lives", async () => {
    const cluster = await startCluster(servers);
    await seedThroughRepositories(cluster);
    await seedLeftovers(cluster);
    await cluster.quit();

    const cwd = await seededProject();
    const { code, stdout } = await runCli(cwd, ["inspect", "--redis", `redis://127.0.0.1:${servers[1]!.port}`]);
    expect(code).toBe(0);
    expect(stdout).toContain("COUNT 1000 on 3 cluster primaries (");
    for (const server of servers) expect(stdout).toContain(`127.0.0.1:${server.port}`);
    expect(tableRow(stdout, "Category")[3]).toBe("3");
    expect(tableRow(stdout, "Customer")[3]).toBe("5");
    expect(tableRow(stdout, "Customer")[6]).toBe("2 in 1");
    expect(stdout).toMatch(/^ {2}\{Legacy\}: 1 key$/m);
  });
});
