import type { Category } from "../../generated/category.js";
import type { Coupon } from "../../generated/coupon.js";
import type { Customer } from "../../generated/customer.js";
import type { Order } from "../../generated/order.js";
import type { Product } from "../../generated/product.js";
import type { Review } from "../../generated/review.js";
import type { StockLevel } from "../../generated/stock-level.js";

/** An in-memory system of record for one example entity: load, loadMany, save, delete. */
export class MemorySource<TEntity extends object, TKey extends object> {
  readonly rows = new Map<string, TEntity>();

  constructor(private readonly keyOf: (entity: TEntity) => TKey) {}

  put(...entities: TEntity[]): void {
    for (const entity of entities) this.rows.set(rowId(this.keyOf(entity)), structuredClone(entity));
  }

  async load(key: TKey): Promise<TEntity | null> {
    return this.copy(this.rows.get(rowId(key)));
  }

  async loadMany(keys: TKey[]): Promise<(TEntity | null)[]> {
    return keys.map((key) => this.copy(this.rows.get(rowId(key))));
  }

  async save(entity: TEntity): Promise<void> {
    this.put(entity);
  }

  async delete(key: TKey): Promise<void> {
    this.rows.delete(rowId(key));
  }

  /** The row whose `field` equals `value`: the index loaders (`loadByEmail`, `loadBySlug`). */
  async findBy<F extends keyof TEntity>(field: F, value: TEntity[F]): Promise<TEntity | null> {
    return this.copy([...this.rows.values()].find((row) => row[field] === value));
  }

  /** Every row whose `field` equals `value`: the list loaders (`loadListByProduct`). */
  async filterBy<F extends keyof TEntity>(field: F, value: TEntity[F]): Promise<TEntity[]> {
    return [...this.rows.values()].filter((row) => row[field] === value).map((row) => structuredClone(row));
  }

  private copy(row: TEntity | undefined): TEntity | null {
    return row === undefined ? null : structuredClone(row);
  }
}

function rowId(key: object): string {
  return JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export const category: Category = { id: 7, name: "Tea", slug: "tea", productCount: 1, icon: null };

export const coupon: Coupon = {
  code: "SPRING-10",
  percentOff: 10,
  expiresAt: new Date("2030-04-01T00:00:00.000Z"),
  maxRedemptions: null,
  redemptions: 0,
};

export const customer: Customer = {
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

export const product: Product = {
  sku: "TEA-1",
  slug: "earl-grey",
  title: "Earl Grey",
  description: null,
  priceCents: 450,
  rating: 4.5,
  categoryId: category.id,
  imageUrl: "https://example.com/tea.png",
  attributes: [{ name: "origin", value: "China" }],
  active: true,
  updatedAt: new Date("2024-01-01T00:00:00.000Z"),
};

export const review: Review = {
  productSku: product.sku,
  customerId: customer.id,
  stars: 5,
  body: null,
  helpfulVotes: 3n,
  postedAt: new Date("2024-02-01T00:00:00.000Z"),
};

export const stockLevel: StockLevel = {
  warehouseId: "LON-1",
  sku: product.sku,
  available: 12,
  reserved: 1,
  revision: 1,
  countedOn: new Date("2024-03-01T00:00:00.000Z"),
};

/** A write-behind Order of `customer`, with no lines. */
export const order: Order = {
  id: "3d6f0c1e-9a4b-4f7e-8a2d-5b1c9e0f7a21",
  customerId: customer.id,
  status: "pending",
  lines: [],
  totalCents: 0n,
  placedAt: new Date("2024-03-01T10:00:00.000Z"),
  revision: 1,
};

export const encryptionKeys = { current: "k1", keys: { k1: new Uint8Array(32).fill(1) } };
