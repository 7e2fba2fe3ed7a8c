import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CacheEvent, CacheStats } from "cachegen/runtime";
import { CategoryRepository } from "../../generated/category.js";
import { CouponRepository } from "../../generated/coupon.js";
import { CustomerRepository } from "../../generated/customer.js";
import { OrderRepository, type Order } from "../../generated/order.js";
import { ProductRepository } from "../../generated/product.js";
import { ReviewRepository } from "../../generated/review.js";
import { StockLevelRepository } from "../../generated/stock-level.js";
import { PASSWORD_PLACEHOLDER } from "../../src/redis-checks/acl-rule.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { until } from "../support/wait.js";
import { createAppUser } from "./app-user.js";
import { config, requireBuiltCli, runCli, temporaryProjects } from "./cli-harness.js";
import * as example from "./example-entities.js";
import { MemorySource } from "./example-entities.js";
import { aclRefusals } from "./redis-fixtures.js";

requireBuiltCli();
const project = temporaryProjects();
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

let server: SpawnedRedis;
let admin: Redis;

beforeAll(async () => {
  server = await SpawnedRedis.start();
  admin = new Redis({ host: "127.0.0.1", port: server.port });
});

beforeEach(async () => {
  await admin.flushall();
});

afterAll(async () => {
  await admin?.quit();
  await server?.stop();
});

/**
 * Creates the user the rule of `cwd` describes (`cachegen acl` run with `aclArgs`); `connect(db)`
 * opens a ready connection as that user, on database `db` as a `redis://.../<db>` URL selects it;
 * `url(db)` is that URL.
 */
async function createUserFromRule(
  cwd: string,
  user: string,
  aclArgs: readonly string[] = [],
): Promise<{ rule: string; connect(db?: number): Promise<Redis>; url(db?: number): string }> {
  const { rule, password } = await createAppUser(admin, cwd, user, aclArgs);
  const url = (db = 0) => `redis://${user}:${password}@127.0.0.1:${server.port}${db === 0 ? "" : `/${db}`}`;
  return {
    rule,
    url,
    async connect(db = 0) {
      const redis = new Redis(url(db), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      return redis;
    },
  };
}

/** Every repository and event of one scenario, to assert that Redis refused nothing. */
class Watch {
  readonly events: CacheEvent[] = [];
  readonly repositories: { stats(): CacheStats; close(): Promise<void> }[] = [];
  readonly onEvent = (event: CacheEvent): void => void this.events.push(event);

  track<T extends { stats(): CacheStats; close(): Promise<void> }>(repository: T): T {
    this.repositories.push(repository);
    return repository;
  }

  redisErrors(): string[] {
    return this.events
      .filter((event) => event.type === "redis-error")
      .map((event) => `${event.entity} ${event.detail}: ${String(event.error)}`);
  }

  errorCounts(): number[] {
    return this.repositories.map((repository) => repository.stats().redisErrors);
  }

  async close(): Promise<void> {
    await Promise.all(this.repositories.map((repository) => repository.close()));
  }
}

async function exerciseCategory(redis: Redis, watch: Watch): Promise<void> {
  const source = new MemorySource((c: typeof example.category) => ({ id: c.id }));
  source.put(example.category);
  const categories = watch.track(new CategoryRepository({ redis, source, onEvent: watch.onEvent }));
  expect(await categories.get(example.category.id)).toEqual(example.category);
  expect(await categories.get(example.category.id)).toEqual(example.category);
  expect(await categories.getMany([example.category.id, 999])).toEqual([example.category, null]);
  expect(await categories.refresh(example.category.id)).toEqual(example.category);
  await categories.save({ ...example.category, productCount: 2 });
  expect(await categories.get(example.category.id)).toMatchObject({ productCount: 2 });
  await categories.invalidate(example.category.id);
  await categories.delete(example.category.id);
  expect(await categories.get(example.category.id)).toBeNull();

  // An undecodable value is deleted (script delete-if-same); an oversized one is unlinked.
  source.put(example.category);
  await admin.set(categories.keyOf(example.category.id), "garbage");
  expect(await categories.get(example.category.id)).toEqual(example.category);
  const small = watch.track(new CategoryRepository({ redis, source, onEvent: watch.onEvent, maxValueBytes: 8 }));
  expect(await small.get(example.category.id)).toEqual(example.category);
  // the garbage, the oversized value read, and the same value refused when filling the small repository
  expect(watch.events.filter((event) => event.type === "invalid-value")).toHaveLength(3);
}

async function exerciseCustomer(redis: Redis, other: Redis, watch: Watch): Promise<void> {
  const source = Object.assign(new MemorySource((c: typeof example.customer) => ({ id: c.id })), {
    loadByEmail: (email: string) => source.findBy("email", email),
  });
  source.put(example.customer);
  const options = { source, encryptionKeys: example.encryptionKeys, onEvent: watch.onEvent };
  const customers = watch.track(new CustomerRepository({ redis, ...options }));
  const elsewhere = watch.track(new CustomerRepository({ redis: other, ...options }));
  const { id, email } = example.customer;

  expect(await customers.get("5f0c0c57-7e0f-4c0e-8d7a-0d2b8f7d9a10")).toBeNull();
  expect(await customers.get(id)).toEqual(example.customer);
  expect(await customers.getByEmail(email)).toEqual(example.customer);
  expect(await customers.getMany([id])).toEqual([example.customer]);
  await customers.invalidateByTier("gold");
  expect(await customers.refresh(id)).toEqual(example.customer);

  // l1: served in-process once subscribed; a save through another connection drops it (pub/sub).
  await until(async () => {
    const loads = customers.stats().loads;
    await admin.del(customers.keyOf(id));
    await customers.get(id);
    return customers.stats().loads === loads;
  });
  const renamed = { ...example.customer, name: "Ada Lovelace", updatedAt: new Date("2024-02-01T00:00:00.000Z") };
  await elsewhere.save(renamed);
  await until(async () => (await customers.get(id))?.name === renamed.name);

  await customers.invalidate(id);
  await customers.delete(id);
  expect(await customers.get(id)).toBeNull();
}

async function exerciseCatalog(redis: Redis, watch: Watch): Promise<void> {
  const products = Object.assign(new MemorySource((p: typeof example.product) => ({ sku: p.sku })), {
    loadBySlug: (slug: string) => products.findBy("slug", slug),
  });
  products.put(example.product);
  const reviews = Object.assign(
    new MemorySource((r: typeof example.review) => ({ productSku: r.productSku, customerId: r.customerId })),
    { loadListByProduct: (productSku: string) => reviews.filterBy("productSku", productSku) },
  );
  reviews.put(example.review);
  const stock = new MemorySource((s: typeof example.stockLevel) => ({ warehouseId: s.warehouseId, sku: s.sku }));
  const coupons = new MemorySource((c: typeof example.coupon) => ({ code: c.code }));

  const productRepository = watch.track(new ProductRepository({ redis, source: products, onEvent: watch.onEvent }));
  const reviewRepository = watch.track(new ReviewRepository({ redis, source: reviews, onEvent: watch.onEvent }));
  const stockRepository = watch.track(new StockLevelRepository({ redis, source: stock, onEvent: watch.onEvent }));
  const couponRepository = watch.track(new CouponRepository({ redis, source: coupons, onEvent: watch.onEvent }));

  // cache-aside, with an index and a tag
  const { sku } = example.product;
  expect(await productRepository.get(sku, (key) => products.load(key))).toEqual(example.product);
  expect(await productRepository.getBySlug(example.product.slug)).toEqual(example.product);
  await productRepository.invalidateByCategory(example.product.categoryId);
  await productRepository.save({ ...example.product, priceCents: 500 });
  await productRepository.delete(sku);

  // read-through, composite key, two tags, invalidates Product
  const reviewKey = { productSku: example.review.productSku, customerId: example.review.customerId };
  expect(await reviewRepository.get(reviewKey)).toEqual(example.review);
  expect(await reviewRepository.getMany([reviewKey])).toEqual([example.review]);
  expect(await reviewRepository.listByProduct(sku)).toEqual([example.review]);
  expect(await reviewRepository.listByProduct(sku)).toEqual([example.review]);
  await reviewRepository.invalidateByProduct(sku);
  await reviewRepository.invalidateByAuthor(example.review.customerId);
  await reviewRepository.save({ ...example.review, stars: 4 });
  await reviewRepository.delete(reviewKey);

  // write-through with versionField, and without (racing writers register)
  const stockKey = { warehouseId: example.stockLevel.warehouseId, sku };
  await stockRepository.save(example.stockLevel);
  expect(await stockRepository.get(stockKey)).toEqual(example.stockLevel);
  await stockRepository.save({ ...example.stockLevel, available: 11, revision: 2 });
  expect(await stockRepository.get(stockKey)).toMatchObject({ revision: 2 });
  await stockRepository.delete(stockKey);
  expect(await couponRepository.prime(example.coupon)).toBe(true); // warm-up, write-through writers checked
  await couponRepository.save(example.coupon);
  expect(await couponRepository.get(example.coupon.code)).toEqual(example.coupon);
  expect(await couponRepository.refresh(example.coupon.code)).toEqual(example.coupon);
  await couponRepository.invalidate(example.coupon.code);
  await couponRepository.delete(example.coupon.code);
}

async function exerciseWriteBehind(redis: Redis, watch: Watch): Promise<void> {
  const order: Order = {
    id: "3d6f0c1e-9a4b-4f7e-8a2d-5b1c9e0f7a21",
    customerId: example.customer.id,
    status: "pending",
    lines: [{ sku: example.product.sku, quantity: 2, unitPriceCents: 450 }],
    totalCents: 900n,
    placedAt: new Date("2024-03-01T10:00:00.000Z"),
    revision: 1,
  };
  const source = new MemorySource((o: Order) => ({ id: o.id }));
  const orders = watch.track(new OrderRepository({ redis, source, onEvent: watch.onEvent }));
  const worker = orders.startWorker();
  try {
    await orders.save(order);
    expect(await orders.get(order.id)).toEqual(order);
    await orders.flush(10_000);
    expect(await source.load({ id: order.id })).toEqual(order);
    await orders.invalidateByCustomer(order.customerId);
    await orders.delete(order.id);
    await orders.flush(10_000);
    expect(await source.load({ id: order.id })).toBeNull();
  } finally {
    await worker.stop();
  }
}

async function expectNothingRefused(user: string, watch: Watch): Promise<void> {
  expect(watch.redisErrors()).toEqual([]);
  expect(watch.errorCounts().every((count) => count === 0)).toBe(true);
  expect(await aclRefusals(admin, user)).toEqual([]);
}

describe("cachegen acl", () => {
  it("prints one comment per feature and the rule, for the example schemas", async () => {
    const { code, stdout } = await runCli(packageRoot, ["acl"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^# read \(every entity\): .*: \+del \+eval \+evalsha \+get \+mget \+pexpire \+pttl \+set \+type \+unlink$/m,
    );
    expect(stdout).toMatch(/^# l1 \(Customer\): /m);
    expect(stdout).toMatch(/^# write-through-writers \(Coupon, StockLevel\): /m);
    expect(stdout).toMatch(/^# write-behind \(Order\): /m);
    expect(stdout).toContain(
      `ACL SETUSER cachegen on resetpass ">${PASSWORD_PLACEHOLDER}" resetkeys "~app:*" resetchannels "&app:Customer:*:l1" -@all +`,
    );
  });

  it("refuses a user name that would not paste safely (exit 2)", async () => {
    const { code, stderr } = await runCli(packageRoot, ["acl", "--user", "a b"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--user");
  });

  it("grants every example repository all it sends, and refuses the rest", async () => {
    const user = "shop";
    const { connect } = await createUserFromRule(packageRoot, user);
    const redis = await connect();
    const other = await connect();
    const watch = new Watch();
    try {
      await exerciseCategory(redis, watch);
      await exerciseCustomer(redis, other, watch);
      await exerciseCatalog(redis, watch);
      await expectNothingRefused(user, watch);

      await expect(redis.flushall()).rejects.toThrow(/NOPERM/);
      await expect(redis.keys("*")).rejects.toThrow(/NOPERM/);
      await expect(redis.call("CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
      await expect(redis.get("other-app:secret")).rejects.toThrow(/NOPERM/);
      await expect(redis.publish("other-app:channel", "x")).rejects.toThrow(/NOPERM/);
    } finally {
      await watch.close();
      redis.disconnect();
      other.disconnect();
    }
  });

  it("grants write-behind saves, the worker and flush", async () => {
    const user = "shop-writer";
    const { connect } = await createUserFromRule(packageRoot, user);
    const redis = await connect();
    const watch = new Watch();
    try {
      await exerciseWriteBehind(redis, watch);
      await expectNothingRefused(user, watch);
    } finally {
      await watch.close();
      redis.disconnect();
    }
  });

  it("grants a read-through-only project no more than it needs, and that is enough", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/category.json": await readFile(`${packageRoot}/schemas/category.json`, "utf8"),
    });
    const user = "catalog";
    const { rule, connect } = await createUserFromRule(cwd, user);
    expect(rule).toContain(
      `resetchannels -@all +del +eval +evalsha +get +incr +info +mget +pexpire +pttl +scan +set +type +unlink`,
    );
    const redis = await connect();
    const watch = new Watch();
    try {
      await exerciseCategory(redis, watch);
      await expectNothingRefused(user, watch);
    } finally {
      await watch.close();
      redis.disconnect();
    }
  });

  it("grants an l1 entity with tags and an index what it needs, on its own", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/customer.yaml": await readFile(`${packageRoot}/schemas/customer.yaml`, "utf8"),
    });
    const user = "customers";
    const { rule, connect } = await createUserFromRule(cwd, user);
    expect(rule).not.toContain("+scard");
    const redis = await connect();
    const other = await connect();
    const watch = new Watch();
    try {
      await exerciseCustomer(redis, other, watch);
      await expectNothingRefused(user, watch);
    } finally {
      await watch.close();
      redis.disconnect();
      other.disconnect();
    }
  });
});

describe("cachegen acl for the app's own connection", () => {
  /** A read-through and a write-behind round trip on `redis`, with its worker: what an app does first. */
  async function exerciseReadAndWriteBehind(redis: Redis, watch: Watch, keyPrefix?: string): Promise<void> {
    const categories = new MemorySource((c: typeof example.category) => ({ id: c.id }));
    categories.put(example.category);
    const categoryRepository = watch.track(
      new CategoryRepository({ redis, source: categories, onEvent: watch.onEvent, ...(keyPrefix && { keyPrefix }) }),
    );
    expect(await categoryRepository.get(example.category.id)).toEqual(example.category);
    expect(await categoryRepository.get(example.category.id)).toEqual(example.category);
    expect(categoryRepository.stats()).toMatchObject({ hits: 1, loads: 1 });
    await categoryRepository.save({ ...example.category, productCount: 3 });

    const orders = new MemorySource((o: Order) => ({ id: o.id }));
    const orderRepository = watch.track(
      new OrderRepository({ redis, source: orders, onEvent: watch.onEvent, ...(keyPrefix && { keyPrefix }) }),
    );
    const worker = orderRepository.startWorker();
    try {
      const order: Order = {
        id: "5b1c9e0f-7a21-4f7e-8a2d-3d6f0c1e9a4b",
        customerId: example.customer.id,
        status: "paid",
        lines: [],
        totalCents: 0n,
        placedAt: new Date("2024-03-01T10:00:00.000Z"),
        revision: 1,
      };
      await orderRepository.save(order);
      await orderRepository.flush(10_000);
      expect(await orders.load({ id: order.id })).toEqual(order);
    } finally {
      await worker.stop();
    }
  }

  it("grants SELECT when the app's URL names a database (--redis URL or --db), and the runtime works there", async () => {
    const user = "shop-db2";
    const { rule, connect, url } = await createUserFromRule(packageRoot, user, [
      "--redis",
      `redis://127.0.0.1:${server.port}/2`,
    ]);
    expect(rule).toContain(" +select ");
    const redis = await connect(2);
    const watch = new Watch();
    try {
      await exerciseReadAndWriteBehind(redis, watch);
      await expectNothingRefused(user, watch);
      // The keys are in database 2, where the app's URL points, not in 0.
      const database2 = new Redis({ host: "127.0.0.1", port: server.port, db: 2 });
      expect(await database2.dbsize()).toBeGreaterThan(0);
      database2.disconnect();
      expect(await admin.dbsize()).toBe(0);
    } finally {
      await watch.close();
      redis.disconnect();
    }
    const doctor = await runCli(packageRoot, ["doctor", "--redis", url(2)]);
    expect(doctor.stdout).toMatch(/^connection: ok: connected to redis:\/\/shop-db2:\*\*\*@127\.0\.0\.1:\d+\/2$/m);

    const byNumber = await runCli(packageRoot, ["acl", "--db", "2"]);
    expect(byNumber.stdout.split("\n").at(-2)).toBe(rule.replace(`SETUSER ${user} `, "SETUSER cachegen "));
    expect(byNumber.stdout).toContain(
      "# +select: the app's connection uses database 2, and ioredis sends SELECT 2 on every connect",
    );
  });

  it("without a database says in the rule how to grant SELECT, and doctor names the missing grant", async () => {
    const user = "shop-db0";
    const { rule, url } = await createUserFromRule(packageRoot, user);
    expect(rule).not.toContain("+select");
    const { stdout } = await runCli(packageRoot, ["acl"]);
    expect(stdout).toContain(
      "# not granted: +select, needed when the app's URL names a database (redis://host:6379/2): without it every connection is refused NOPERM; print the rule with --redis <the app's URL> or --db <n> to grant it",
    );
    const doctor = await runCli(packageRoot, ["doctor", "--redis", url(2)]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /^connection: error: redis:\/\/shop-db0:\*\*\*@127\.0\.0\.1:\d+\/2 refused a command of the connection: NOPERM .*'select'.*: the URL names a database, and this user may not SELECT; grant it \+select \(`cachegen acl --redis URL` prints a rule that does\)$/m,
    );
  });

  it("says what EVAL grants: scripts of the user's own, which reach no command or key beyond the rule", async () => {
    const user = "scripter";
    const { connect } = await createUserFromRule(packageRoot, user);
    const { stdout } = await runCli(packageRoot, ["acl"]);
    expect(stdout).toMatch(
      /^# \+eval lets this user run scripts of its own, but Redis checks this rule on every redis\.call inside a script/m,
    );
    await admin.set("other-app:secret", "x");
    const redis = await connect();
    try {
      await expect(redis.eval("return redis.call('GET', KEYS[1])", 1, "other-app:secret")).rejects.toThrow(/NOPERM/);
      await expect(redis.eval("return redis.call('GET', 'other-app:secret')", 0)).rejects.toThrow(
        /can't access at least one of the keys/,
      );
      await expect(redis.eval("return redis.call('FLUSHALL')", 0)).rejects.toThrow(/can't run this command/);
      await expect(redis.eval("return redis.call('KEYS', '*')", 0)).rejects.toThrow(/can't run this command/);
      expect(await redis.eval("return redis.call('GET', 'app:mine')", 0)).toBeNull();
    } finally {
      redis.disconnect();
    }
    expect(await admin.get("other-app:secret")).toBe("x");
  });

  it("covers the app's own keyPrefix with --key-prefix, keys and l1 channels alike", async () => {
    const user = "prefixed";
    const { rule, connect } = await createUserFromRule(packageRoot, user, ["--key-prefix", "shop"]);
    expect(rule).toContain(`resetkeys "~shop:*" resetchannels "&shop:Customer:*:l1" -@all`);
    const redis = await connect();
    const other = await connect();
    const watch = new Watch();
    try {
      await exerciseReadAndWriteBehind(redis, watch, "shop");
      const customers = Object.assign(new MemorySource((c: typeof example.customer) => ({ id: c.id })), {
        loadByEmail: (email: string) => customers.findBy("email", email),
      });
      customers.put(example.customer);
      const options = {
        source: customers,
        keyPrefix: "shop",
        encryptionKeys: example.encryptionKeys,
        onEvent: watch.onEvent,
      };
      const reader = watch.track(new CustomerRepository({ redis, ...options }));
      const writer = watch.track(new CustomerRepository({ redis: other, ...options }));
      expect(await reader.get(example.customer.id)).toEqual(example.customer);
      await writer.save({ ...example.customer, name: "Ada L." });
      await until(async () => (await reader.get(example.customer.id))?.name === "Ada L.");
      await expectNothingRefused(user, watch);
    } finally {
      await watch.close();
      redis.disconnect();
      other.disconnect();
    }
  });

  it("refuses a --db that is not a number, or one that disagrees with --redis (exit 2)", async () => {
    const notNumber = await runCli(packageRoot, ["acl", "--db", "two"]);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('--db "two": give the database number the app\'s URL selects, e.g. --db 2');
    const disagree = await runCli(packageRoot, ["acl", "--db", "1", "--redis", "redis://127.0.0.1:6379/2"]);
    expect(disagree.code).toBe(2);
    expect(disagree.stderr).toContain("--db 1 and --redis (database 2) disagree; give one of them");
    const badPrefix = await runCli(packageRoot, ["acl", "--key-prefix", "a{b}"]);
    expect(badPrefix.code).toBe(2);
    expect(badPrefix.stderr).toContain(
      '--key-prefix "a{b}": a key prefix is not empty and has no whitespace, { } * ? [ ] or \\; pass the keyPrefix the app gives its repositories',
    );
  });
});
