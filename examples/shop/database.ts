import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";

const DATE_OID = 1082;

/** `date` columns stay `YYYY-MM-DD` text: pg's default turns them into local-midnight Dates. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === DATE_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export interface ShopDatabase {
  pool: pg.Pool;
  schema: string;
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL schema holding the shop's tables, so runs never share rows.
 * `DATABASE_URL` defaults to the local `test` database.
 */
export async function createShopDatabase(
  url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
): Promise<ShopDatabase> {
  const schema = `shop_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET search_path TO ${schema}`);
    await admin.query(await readFile(new URL("./schema.sql", import.meta.url), "utf8"));
  } finally {
    await admin.end();
  }
  const pool = openShopPool(schema, url);
  return {
    pool,
    schema,
    async drop() {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    },
  };
}

/** A pool on an existing shop schema (another process's `createShopDatabase`). */
export function openShopPool(
  schema: string,
  url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
): pg.Pool {
  return new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, types, max: 8 });
}

/** `YYYY-MM-DD` text <-> a Date at UTC midnight, the cache's representation of `date`. */
export const sqlDate = {
  toDate: (value: string): Date => new Date(`${value}T00:00:00.000Z`),
  fromDate: (value: Date): string => value.toISOString().slice(0, 10),
};
