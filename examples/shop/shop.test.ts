import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { createRepositories, type Customer, type Repositories } from "../../generated/index.js";
import { createShopDatabase, type ShopDatabase } from "./database.js";
import { createShopSources } from "./sources.js";
import { warmShop } from "./warm-up.js";

const keyPrefix = `shop-example-${process.pid}-${Date.now()}`;
const encryptionKeys = { current: "k1", keys: { k1: new Uint8Array(32).fill(1) } };

describe("the shop example: generated repositories over PostgreSQL", () => {
  let db: ShopDatabase;
  let redis: Redis;
  let repos: Repositories;

  const ada: Customer = {
    id: "0b7f5a7e-2f59-4c1b-9d0e-1f2a3b4c5d6e",
    email: "ada@example.com",
    name: "Ada",
    nickname: null,
    roles: ["buyer"],
    tier: "gold",
    preferences: { newsletter: true, locale: "en-GB" },
    phone: "+44 20 7946 0000",
    birthday: new Date("1815-12-10T00:00:00.000Z"),
    createdAt: new Date("2024-01-01T00:00:00.000Z"),
    updatedAt: new Date("2024-01-01T00:00:00.000Z"),
    meta: { source: "import" },
  };

  beforeAll(async () => {
    db = await createShopDatabase();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    repos = createRepositories({
      redis,
      keyPrefix,
      encryptionKeys,
      sources: createShopSources(db.pool),
    });
    await db.pool.query(
      "INSERT INTO categories (id, name, slug, product_count, icon) VALUES (1, 'Tea', 'tea', 1, '\\x89504e47')",
    );
    await db.pool.query(
      `INSERT INTO products (sku, slug, title, description, price_cents, rating, category_id,
                             image_url, attributes, active, updated_at)
       VALUES ('TEA-1', 'earl-grey', 'Earl Grey', NULL, 450, 4.5, 1,
               'https://example.com/tea.png', '[{"name":"origin","value":"China"}]', true, now())`,
    );
    await repos.customer.save(ada);
  });

  afterAll(async () => {
    await deleteByPrefix(redis, keyPrefix);
    await redis.quit();
    await db.drop();
  });

  it("read-through: a miss loads the row, then the cache answers; a save invalidates", async () => {
    const first = await repos.customer.get(ada.id);
    expect(first).toEqual(ada);
    await repos.customer.get(ada.id);
    expect(repos.customer.stats()).toMatchObject({ loads: 1, hits: 1 });

    const renamed = { ...ada, name: "Ada Lovelace", updatedAt: new Date("2024-02-01T00:00:00Z") };
    await repos.customer.save(renamed);
    expect(await repos.customer.get(ada.id)).toEqual(renamed);
    expect(await repos.customer.getByEmail(ada.email)).toEqual(renamed);
    const { rows } = await db.pool.query("SELECT name FROM customers WHERE id = $1", [ada.id]);
    expect(rows[0].name).toBe("Ada Lovelace");
  });

  it("the encrypted phone number is not readable in Redis", async () => {
    const stored = await redis.get(repos.customer.keyOf(ada.id));
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(ada.phone);
  });

  it("cache-aside: the caller's loader fills the cache, the index finds the product", async () => {
    let loads = 0;
    const loadTea = async () => {
      loads += 1;
      return createShopSources(db.pool).product.load({ sku: "TEA-1" });
    };
    const tea = await repos.product.get("TEA-1", loadTea);
    expect(tea?.title).toBe("Earl Grey");
    expect(await repos.product.get("TEA-1", loadTea)).toEqual(tea);
    expect(loads).toBe(1);
    expect((await repos.product.getBySlug("earl-grey"))?.sku).toBe("TEA-1");
  });

  it("write-through: a save reaches PostgreSQL and the cache holds the new revision at once", async () => {
    const stock = {
      warehouseId: "LON-1",
      sku: "TEA-1",
      available: 10,
      reserved: 2,
      revision: 1,
      countedOn: new Date("2024-03-01T00:00:00.000Z"),
    };
    await repos.stockLevel.save(stock);
    // The source answers no row: a first versioned save cannot tell the fence took it, so it only revokes.
    expect(await repos.stockLevel.get({ warehouseId: "LON-1", sku: "TEA-1" })).toEqual(stock);
    const recounted = { ...stock, available: 9, revision: 2 };
    await repos.stockLevel.save(recounted);
    const loadsBefore = repos.stockLevel.stats().loads;
    expect(await repos.stockLevel.get({ warehouseId: "LON-1", sku: "TEA-1" })).toEqual(recounted);
    expect(repos.stockLevel.stats().loads).toBe(loadsBefore);
    const { rows } = await db.pool.query("SELECT available FROM stock_levels WHERE sku = 'TEA-1'");
    expect(rows[0].available).toBe(9);
  });

  it("write-behind: a save is served from Redis at once and lands in PostgreSQL via the worker", async () => {
    const order = {
      id: "9d3c1e6a-7b2f-4e8a-8c1d-2e3f4a5b6c7d",
      customerId: ada.id,
      status: "pending" as const,
      lines: [{ sku: "TEA-1", quantity: 2, unitPriceCents: 450 }],
      totalCents: 900n,
      placedAt: new Date("2024-03-02T10:00:00.000Z"),
      revision: 1,
    };
    await repos.order.save(order);
    expect(await repos.order.get(order.id)).toEqual(order);
    expect(await repos.order.pending()).toBe(1);

    const worker = repos.order.startWorker();
    try {
      await repos.order.flush(10_000);
    } finally {
      await worker.stop();
    }
    expect(await repos.order.pending()).toBe(0);
    const { rows } = await db.pool.query("SELECT total_cents, revision FROM orders WHERE id = $1", [order.id]);
    expect(rows[0]).toEqual({ total_cents: "900", revision: 1 });
  });

  it("lists: a product's reviews are cached as keys, served as entries, and a new review joins the list", async () => {
    const review = (customerId: string, stars: number, postedAt: string) => ({
      productSku: "TEA-1",
      customerId,
      stars,
      body: null,
      helpfulVotes: 0n,
      postedAt: new Date(postedAt),
    });
    const first = review("11111111-1111-4111-8111-111111111111", 5, "2024-03-01T00:00:00.000Z");
    await repos.review.save(first);
    expect(await repos.review.listByProduct("TEA-1")).toEqual([first]);
    const loads = repos.review.stats().loads;
    expect(await repos.review.listByProduct("TEA-1")).toEqual([first]);
    expect(await repos.review.listByProduct("TEA-1")).toEqual([first]);
    expect(repos.review.stats().loads - loads).toBe(1); // the member's own entry, once; then all hits

    const second = review("22222222-2222-4222-8222-222222222222", 4, "2024-03-02T00:00:00.000Z");
    await repos.review.save(second); // drops the product's list
    expect(await repos.review.listByProduct("TEA-1")).toEqual([second, first]);
  });

  it("warm-up: primes customers and products from PostgreSQL, page by page; a cached value is left alone", async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `0b7f5a7e-2f59-4c1b-9d0e-00000000000${i}`);
    for (const id of ids) {
      await db.pool.query(
        `INSERT INTO customers (id, email, name, nickname, age, roles, tier, preferences, phone, birthday,
                                created_at, updated_at, meta)
         VALUES ($1, $2, 'Warm', NULL, NULL, '{}', 'standard', '{"newsletter":false,"locale":"en"}', '+1',
                 NULL, now(), now(), '{}')`,
        [id, `warm-${id.slice(-1)}@example.com`],
      );
    }
    await repos.customer.get(ada.id); // cached already: skipped
    const progress: number[] = [];
    const result = await warmShop(repos, db.pool, {
      concurrency: 2,
      progressBar: false,
      onProgress: (p) => progress.push(p.primed),
    });
    expect(result.customer).toEqual({ primed: 7, skipped: 1, failed: 0, done: true });
    expect(result.product).toMatchObject({ failed: 0, done: true });
    const loads = repos.customer.stats().loads;
    expect((await repos.customer.getMany(ids)).map((c) => c?.name)).toEqual(ids.map(() => "Warm"));
    expect(repos.customer.stats().loads).toBe(loads); // every one a hit
    expect(progress.length).toBeGreaterThan(1);
  });

  it("a write to one entity drops what it invalidates in another", async () => {
    // bytea comes from pg as a Buffer; miss and hit both give a plain Uint8Array
    expect((await repos.category.get(1))?.icon).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    expect((await repos.category.get(1))?.icon?.constructor).toBe(Uint8Array);
    expect(await redis.exists(repos.category.keyOf(1))).toBe(1);
    const tea = await repos.product.get("TEA-1");
    await repos.product.save({ ...tea!, priceCents: 500 });
    expect(await redis.exists(repos.category.keyOf(1))).toBe(0);
  });
});
