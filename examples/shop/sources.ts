import type pg from "pg";
import type { Category, Coupon, Customer, Order, Product, Review, Sources, StockLevel } from "../../generated/index.js";
import { sqlDate } from "./database.js";

/** Every entity's source, none left out (`Sources` lets a cache-aside entity's be absent). */
export type ShopSources = { [K in keyof Sources]-?: NonNullable<Sources[K]> };

/** The shop's `Source` implementations over PostgreSQL: one per entity and strategy. */
export function createShopSources(pool: pg.Pool): ShopSources {
  const one = async <T>(sql: string, params: unknown[], toEntity: (row: any) => T) => {
    const { rows } = await pool.query(sql, params);
    return rows[0] ? toEntity(rows[0]) : null;
  };

  // The write-behind worker may deliver an order twice or late: the revision fence keeps each row
  // at its newest revision whatever the order of delivery. One statement per batch.
  const saveOrders = async (orders: Order[]): Promise<void> => {
    await pool.query(
      `INSERT INTO orders (id, customer_id, status, lines, total_cents, placed_at, revision)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::numeric[],
                            $6::timestamptz[], $7::integer[])
       ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status,
         lines = EXCLUDED.lines, total_cents = EXCLUDED.total_cents, placed_at = EXCLUDED.placed_at,
         revision = EXCLUDED.revision
       WHERE orders.revision < EXCLUDED.revision`,
      [
        orders.map((order) => order.id),
        orders.map((order) => order.customerId),
        orders.map((order) => order.status),
        orders.map((order) => JSON.stringify(order.lines)),
        orders.map((order) => order.totalCents.toString()),
        orders.map((order) => order.placedAt),
        orders.map((order) => order.revision),
      ],
    );
  };
  const deleteOrders = async (ids: string[]): Promise<void> => {
    await pool.query("DELETE FROM orders WHERE id = ANY($1::uuid[])", [ids]);
  };

  return {
    category: {
      load: ({ id }) => one("SELECT * FROM categories WHERE id = $1", [id], toCategory),
    },

    customer: {
      load: ({ id }) => one("SELECT * FROM customers WHERE id = $1", [id], toCustomer),
      async loadMany(keys) {
        const { rows } = await pool.query("SELECT * FROM customers WHERE id = ANY($1::uuid[])", [
          keys.map((key) => key.id),
        ]);
        const byId = new Map(rows.map((row) => [row.id as string, toCustomer(row)]));
        return keys.map((key) => byId.get(key.id) ?? null);
      },
      loadByEmail: (email) => one("SELECT * FROM customers WHERE email = $1", [email], toCustomer),
      async save(customer) {
        await pool.query(
          `INSERT INTO customers (id, email, name, nickname, age, roles, tier, preferences, phone,
                                  birthday, created_at, updated_at, meta)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (id) DO UPDATE SET email = $2, name = $3, nickname = $4, age = $5, roles = $6,
             tier = $7, preferences = $8, phone = $9, birthday = $10, updated_at = $12, meta = $13
           WHERE customers.updated_at < EXCLUDED.updated_at`,
          [
            customer.id,
            customer.email,
            customer.name,
            customer.nickname,
            customer.age ?? null,
            customer.roles,
            customer.tier,
            JSON.stringify(customer.preferences),
            customer.phone,
            customer.birthday ? sqlDate.fromDate(customer.birthday) : null,
            customer.createdAt,
            customer.updatedAt,
            JSON.stringify(customer.meta),
          ],
        );
      },
      async delete({ id }) {
        await pool.query("DELETE FROM customers WHERE id = $1", [id]);
      },
    },

    product: {
      load: ({ sku }) => one("SELECT * FROM products WHERE sku = $1", [sku], toProduct),
      loadBySlug: (slug) => one("SELECT * FROM products WHERE slug = $1", [slug], toProduct),
      async save(product) {
        await pool.query(
          `INSERT INTO products (sku, slug, title, description, price_cents, rating, category_id,
                                 image_url, attributes, active, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (sku) DO UPDATE SET slug = $2, title = $3, description = $4,
             price_cents = $5, rating = $6, category_id = $7, image_url = $8, attributes = $9,
             active = $10, updated_at = $11`,
          [
            product.sku,
            product.slug,
            product.title,
            product.description,
            product.priceCents,
            product.rating ?? null,
            product.categoryId,
            product.imageUrl,
            JSON.stringify(product.attributes),
            product.active,
            product.updatedAt,
          ],
        );
      },
      async delete({ sku }) {
        await pool.query("DELETE FROM products WHERE sku = $1", [sku]);
      },
    },

    order: {
      load: ({ id }) => one("SELECT * FROM orders WHERE id = $1", [id], toOrder),
      save: (order) => saveOrders([order]),
      saveMany: saveOrders,
      delete: ({ id }) => deleteOrders([id]),
      deleteMany: (keys) => deleteOrders(keys.map((key) => key.id)),
    },

    stockLevel: {
      load: ({ warehouseId, sku }) =>
        one("SELECT * FROM stock_levels WHERE warehouse_id = $1 AND sku = $2", [warehouseId, sku], toStockLevel),
      async save(stock) {
        await pool.query(
          `INSERT INTO stock_levels (warehouse_id, sku, available, reserved, revision, counted_on)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (warehouse_id, sku) DO UPDATE SET available = $3, reserved = $4,
             revision = $5, counted_on = $6
           WHERE stock_levels.revision < EXCLUDED.revision`,
          [
            stock.warehouseId,
            stock.sku,
            stock.available,
            stock.reserved,
            stock.revision,
            sqlDate.fromDate(stock.countedOn),
          ],
        );
      },
      async delete({ warehouseId, sku }) {
        await pool.query("DELETE FROM stock_levels WHERE warehouse_id = $1 AND sku = $2", [warehouseId, sku]);
      },
    },

    review: {
      load: ({ productSku, customerId }) =>
        one("SELECT * FROM reviews WHERE product_sku = $1 AND customer_id = $2", [productSku, customerId], toReview),
      async loadListByProduct(productSku) {
        const { rows } = await pool.query(
          "SELECT * FROM reviews WHERE product_sku = $1 ORDER BY posted_at DESC, customer_id",
          [productSku],
        );
        return rows.map(toReview);
      },
      async save(review) {
        await pool.query(
          `INSERT INTO reviews (product_sku, customer_id, stars, body, helpful_votes, posted_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (product_sku, customer_id) DO UPDATE SET stars = $3, body = $4, helpful_votes = $5, posted_at = $6`,
          [
            review.productSku,
            review.customerId,
            review.stars,
            review.body,
            review.helpfulVotes.toString(),
            review.postedAt,
          ],
        );
      },
    },

    coupon: {
      load: ({ code }) => one("SELECT * FROM coupons WHERE code = $1", [code], toCoupon),
      async save(coupon) {
        await pool.query(
          `INSERT INTO coupons (code, percent_off, expires_at, max_redemptions, redemptions)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (code) DO UPDATE SET percent_off = $2, expires_at = $3,
             max_redemptions = $4, redemptions = $5`,
          [coupon.code, coupon.percentOff, coupon.expiresAt, coupon.maxRedemptions, coupon.redemptions],
        );
      },
      async delete({ code }) {
        await pool.query("DELETE FROM coupons WHERE code = $1", [code]);
      },
    },
  };
}

const toCategory = (row: any): Category => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  productCount: row.product_count,
  icon: row.icon, // bytea: pg gives a Buffer, which the repository returns as a plain Uint8Array
});

export const toCustomer = (row: any): Customer => ({
  id: row.id,
  email: row.email,
  name: row.name,
  nickname: row.nickname,
  ...(row.age === null ? {} : { age: row.age }),
  roles: row.roles,
  tier: row.tier,
  preferences: row.preferences,
  phone: row.phone,
  ...(row.birthday === null ? {} : { birthday: sqlDate.toDate(row.birthday) }),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  meta: row.meta,
});

export const toProduct = (row: any): Product => ({
  sku: row.sku,
  slug: row.slug,
  title: row.title,
  description: row.description,
  priceCents: row.price_cents,
  ...(row.rating === null ? {} : { rating: row.rating }),
  categoryId: row.category_id,
  imageUrl: row.image_url,
  attributes: row.attributes,
  active: row.active,
  updatedAt: row.updated_at,
});

const toOrder = (row: any): Order => ({
  id: row.id,
  customerId: row.customer_id,
  status: row.status,
  lines: row.lines,
  totalCents: BigInt(row.total_cents),
  placedAt: row.placed_at,
  revision: row.revision,
});

const toStockLevel = (row: any): StockLevel => ({
  warehouseId: row.warehouse_id,
  sku: row.sku,
  available: row.available,
  reserved: row.reserved,
  revision: row.revision,
  countedOn: sqlDate.toDate(row.counted_on),
});

const toReview = (row: any): Review => ({
  productSku: row.product_sku,
  customerId: row.customer_id,
  stars: row.stars,
  body: row.body,
  helpfulVotes: BigInt(row.helpful_votes),
  postedAt: row.posted_at,
});

const toCoupon = (row: any): Coupon => ({
  code: row.code,
  percentOff: row.percent_off,
  expiresAt: row.expires_at,
  maxRedemptions: row.max_redemptions,
  redemptions: row.redemptions,
});
