import { createShopDatabase, type ShopDatabase } from "../../../examples/shop/database.js";

/** The customer the test orders belong to. */
export const customerId = "0b7f5a7e-2f59-4c1b-9d0e-1f2a3b4c5d6e";

/** The example shop's database (a throwaway schema) holding that customer. */
export async function shopWithCustomer(): Promise<ShopDatabase> {
  const db = await createShopDatabase();
  await db.pool.query(
    `INSERT INTO customers (id, email, name, roles, tier, preferences, phone, created_at, updated_at, meta)
     VALUES ($1, 'ada@example.com', 'Ada', '{buyer}', 'gold', '{}', '+44', now(), now(), '{}')`,
    [customerId],
  );
  return db;
}

/** How many of these orders are in the database. */
export async function ordersLanded(db: ShopDatabase, ids: readonly string[]): Promise<number> {
  const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])", [ids]);
  return rows[0].n as number;
}
