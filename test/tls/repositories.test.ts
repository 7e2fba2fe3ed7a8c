import { fileURLToPath } from "node:url";
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CacheEvent } from "cachegen/runtime";
import { CategoryRepository } from "../../generated/category.js";
import { CouponRepository } from "../../generated/coupon.js";
import { CustomerRepository } from "../../generated/customer.js";
import { OrderRepository, type Order } from "../../generated/order.js";
import { ProductRepository } from "../../generated/product.js";
import { createAppUser } from "../cli/app-user.js";
import { requireBuiltCli } from "../cli/cli-harness.js";
import * as example from "../cli/example-entities.js";
import { MemorySource } from "../cli/example-entities.js";
import { aclRefusals } from "../cli/redis-fixtures.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { makeCertificates, type TestCertificates } from "../support/tls-certificates.js";
import { until } from "../support/wait.js";

// The example shop's repositories over rediss://, as an application connects: the CA of the
// server's certificate in ioredis' `tls` option, and the least-privilege user `cachegen acl` prints.
// The server listens with TLS only (`--port 0`), so any connection that dropped the TLS options
// (the L1 subscriber and the write-behind worker are `client.duplicate()`s) could not even connect.

requireBuiltCli();
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const user = "shop";

let certificates: TestCertificates;
let server: SpawnedRedis;
let admin: Redis;
let appUrl: string;
const clients: Redis[] = [];
const events: CacheEvent[] = [];
const onEvent = (event: CacheEvent): void => void events.push(event);
const closers: { close(): Promise<void> }[] = [];

/** A ready client of the application's user over TLS, trusting the test CA: what the README tells apps to do. */
async function appClient(host = "127.0.0.1", options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(appUrl.replace("127.0.0.1", host), {
    tls: { ca: certificates.ca },
    lazyConnect: true,
    ...options,
  });
  clients.push(redis);
  await redis.connect();
  return redis;
}

function track<T extends { close(): Promise<void> }>(repository: T): T {
  closers.push(repository);
  return repository;
}

beforeAll(async () => {
  certificates = makeCertificates();
  server = await SpawnedRedis.start([], { certificates, authClients: "no" });
  admin = new Redis(server.clientOptions());
  const { password } = await createAppUser(admin, packageRoot, user);
  appUrl = `rediss://${user}:${password}@127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await Promise.all(closers.map((repository) => repository.close()));
  for (const client of clients) client.disconnect();
  admin?.disconnect();
  await server?.stop();
  certificates?.remove();
});

describe("the example repositories over rediss:// with a CA and the cachegen acl user", () => {
  it("the connection is TLS: a plaintext client of the same port is hung up on", async () => {
    const redis = await appClient();
    expect(redis.stream.constructor.name).toBe("TLSSocket");
    const plaintext = new Redis({
      host: "127.0.0.1",
      port: server.port,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    plaintext.on("error", () => undefined);
    await expect(plaintext.connect().then(() => plaintext.ping())).rejects.toThrow();
    plaintext.disconnect();
  });

  it("read-through: get, getMany, save and delete", async () => {
    const redis = await appClient();
    const source = new MemorySource((c: typeof example.category) => ({ id: c.id }));
    source.put(example.category);
    const categories = track(new CategoryRepository({ redis, source, onEvent }));
    expect(await categories.get(example.category.id)).toEqual(example.category);
    expect(await categories.get(example.category.id)).toEqual(example.category);
    expect(await categories.getMany([example.category.id, 999])).toEqual([example.category, null]);
    expect(categories.stats()).toMatchObject({ loads: 2, hits: 2 });
    await categories.save({ ...example.category, productCount: 2 });
    expect(await categories.get(example.category.id)).toMatchObject({ productCount: 2 });
    await categories.delete(example.category.id);
    expect(await categories.get(example.category.id)).toBeNull();
    expect(await admin.exists(categories.keyOf(example.category.id))).toBe(0);
  });

  it("cache-aside: get with the caller's loader, save and delete", async () => {
    const redis = await appClient();
    const source = Object.assign(new MemorySource((p: typeof example.product) => ({ sku: p.sku })), {
      loadBySlug: (slug: string) => source.findBy("slug", slug),
    });
    source.put(example.product);
    const products = track(new ProductRepository({ redis, source, onEvent }));
    let loads = 0;
    const load = (key: { sku: string }) => ((loads += 1), source.load(key));
    expect(await products.get(example.product.sku, load)).toEqual(example.product);
    expect(await products.get(example.product.sku, load)).toEqual(example.product);
    expect(loads).toBe(1);
    expect(await products.getMany([example.product.sku])).toEqual([example.product]);
    await products.save({ ...example.product, priceCents: 500 });
    expect(await products.get(example.product.sku)).toMatchObject({ priceCents: 500 });
    await products.delete(example.product.sku);
    expect(await products.get(example.product.sku)).toBeNull();
  });

  it("write-through: a save is cached and read back without the source", async () => {
    const redis = await appClient();
    const source = new MemorySource((c: typeof example.coupon) => ({ code: c.code }));
    const coupons = track(new CouponRepository({ redis, source, onEvent }));
    await coupons.save(example.coupon);
    expect(await coupons.get(example.coupon.code)).toEqual(example.coupon);
    expect(await coupons.getMany([example.coupon.code, "NONE"])).toEqual([example.coupon, null]);
    expect(coupons.stats()).toMatchObject({ loads: 1, hits: 2 });
    await coupons.delete(example.coupon.code);
    expect(await coupons.get(example.coupon.code)).toBeNull();
  });

  it("write-behind: saves are queued, and a worker (its own TLS connection) drains them into the source", async () => {
    const redis = await appClient();
    const source = new MemorySource((o: Order) => ({ id: o.id }));
    const orders = track(new OrderRepository({ redis, source, onEvent }));
    const saved: Order[] = [1, 2, 3].map((n) => ({
      id: `3d6f0c1e-9a4b-4f7e-8a2d-5b1c9e0f7a2${n}`,
      customerId: example.customer.id,
      status: "pending",
      lines: [{ sku: example.product.sku, quantity: n, unitPriceCents: 450 }],
      totalCents: BigInt(450 * n),
      placedAt: new Date("2024-03-01T10:00:00.000Z"),
      revision: 1,
    }));
    for (const order of saved) await orders.save(order);
    expect(await orders.getMany(saved.map(({ id }) => id))).toEqual(saved);
    expect(await orders.pending()).toBe(3);
    expect(source.rows.size).toBe(0);

    const worker = orders.startWorker();
    try {
      await orders.flush(10_000);
      for (const order of saved) expect(await source.load({ id: order.id })).toEqual(order);
      await orders.delete(saved[0]!.id);
      await orders.flush(10_000);
      expect(await source.load({ id: saved[0]!.id })).toBeNull();
    } finally {
      await worker.stop();
    }
    expect(orders.stats()).toMatchObject({ queued: 4, flushed: 4, failed: 0 });
  });

  it("l1: the subscriber (a duplicate of the client) receives invalidations over TLS", async () => {
    const [redis, other] = [await appClient(), await appClient("localhost")];
    const source = Object.assign(new MemorySource((c: typeof example.customer) => ({ id: c.id })), {
      loadByEmail: (email: string) => source.findBy("email", email),
    });
    source.put(example.customer);
    const options = { source, encryptionKeys: example.encryptionKeys, onEvent };
    const customers = track(new CustomerRepository({ redis, ...options }));
    const elsewhere = track(new CustomerRepository({ redis: other, ...options }));
    const { id } = example.customer;

    // Served in-process once subscribed: a value deleted behind its back is still answered without a load.
    await until(async () => {
      const loads = customers.stats().loads;
      await admin.del(customers.keyOf(id));
      await customers.get(id);
      return customers.stats().loads === loads;
    });
    const subscribers = String(await admin.call("CLIENT", "LIST", "TYPE", "pubsub"));
    expect(subscribers).toContain(`user=${user}`);

    const renamed = { ...example.customer, name: "Ada Lovelace", updatedAt: new Date("2024-02-01T00:00:00.000Z") };
    await elsewhere.save(renamed);
    await until(async () => (await customers.get(id))?.name === renamed.name);
  });

  it("Redis refused nothing and no repository saw a Redis error", async () => {
    expect(
      events.filter((event) => event.type === "redis-error").map((event) => `${event.entity}: ${String(event.error)}`),
    ).toEqual([]);
    expect(await aclRefusals(admin, user)).toEqual([]);
  });
});
