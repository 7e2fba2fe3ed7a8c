import type pg from "pg";
import { warm, type WarmOptions, type WarmProgress } from "cachegen/runtime";
import type { Customer, Product, Repositories } from "../../generated/index.js";
import { toCustomer, toProduct } from "./sources.js";

/**
 * Every row of a table as pages, in key order: keyset pagination (`WHERE key > last ORDER BY key
 * LIMIT n`), so each page is an index range scan however deep the warm-up is, and rows written
 * meanwhile are neither skipped nor read twice.
 */
async function* pages<T>(
  pool: pg.Pool,
  table: "customers" | "products",
  key: "id" | "sku",
  toEntity: (row: unknown) => T,
  pageSize: number,
): AsyncGenerator<T[]> {
  let last: string | undefined;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT * FROM ${table} ${last === undefined ? "" : `WHERE ${key} > $2`} ORDER BY ${key} LIMIT $1`,
      last === undefined ? [pageSize] : [pageSize, last],
    );
    if (!rows.length) return;
    yield rows.map(toEntity);
    last = String(rows.at(-1)[key]);
  }
}

export function customerPages(pool: pg.Pool, pageSize = 500): AsyncGenerator<Customer[]> {
  return pages(pool, "customers", "id", toCustomer, pageSize);
}

export function productPages(pool: pg.Pool, pageSize = 500): AsyncGenerator<Product[]> {
  return pages(pool, "products", "sku", toProduct, pageSize);
}

/**
 * Warms the shop's hottest entities from PostgreSQL (a cold start, or a deploy that changed their
 * namespace): customers and products, one entity after the other, each `concurrency` pages at a
 * time. Safe beside live traffic: priming never replaces a newer value or a queued write.
 */
export async function warmShop(
  repos: Repositories,
  pool: pg.Pool,
  options: WarmOptions = {},
): Promise<{ customer: WarmProgress; product: WarmProgress }> {
  const customer = await warm(repos.customer, customerPages(pool), options);
  const product = await warm(repos.product, productPages(pool), options);
  return { customer, product };
}
