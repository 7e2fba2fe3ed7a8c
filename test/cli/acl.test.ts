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

/** Creates the user the rule of `cwd` describes; `connect()` opens a ready connection as that user. */
async function createUserFromRule(cwd: string, user: string): Promise<{ rule: string; connect(): Promise<Redis> }> {
  const { rule, password } = await createAppUser(admin, cwd, user);
  return {
    rule,
    async connect() {
      const redis = new Redis({ host: "127.0.0.1", port: server.port, username: user, password, lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      return redis;
    },
  };
}

/** What the server refused this user (ACL LOG), as `<reason> <object>` lines. */
async function refusals(user: string): Promise<string[]> {
  const entries = (await admin.call("ACL", "LOG", "128")) as string[][];
  return entries
    .map((entry) => Object.fromEntries(entry.flatMap((_, i) => (i % 2 === 0 ? [[entry[i], entry[i + 1]]] : []))))
    .filter((entry) => entry.username === user)
    .map((entry) => `${entry.reason} ${entry.object}`);
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
    return this.events.filter((event) => event.type === "redis-error").map((event) => `${event.entity} ${event.detail}: ${String(event.error)}`);
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
  const reviews = new MemorySource((r: typeof example.review) => ({ productSku: r.productSku, customerId: r.customerId }));
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
  expect(await refusals(user)).toEqual([]);
}

describe("cachegen acl", () => {
  it("prints one comment per feature and the rule, for the example schemas", async () => {
    const { code, stdout } = await runCli(packageRoot, ["acl"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# read \(every entity\): .*: \+del \+eval \+evalsha \+get \+mget \+pttl \+set \+unlink$/m);
    expect(stdout).toMatch(/^# l1 \(Customer\): /m);
    expect(stdout).toMatch(/^# write-through-writers \(Coupon\): /m);
    expect(stdout).toMatch(/^# write-behind \(Order\): /m);
    expect(stdout).toContain(`ACL SETUSER cachegen on resetpass ">${PASSWORD_PLACEHOLDER}" resetkeys "~app:*" resetchannels "&app:{Customer}:*:l1" -@all +`);
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
    expect(rule).toContain(`resetchannels -@all +del +eval +evalsha +get +info +mget +pttl +set +unlink`);
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
