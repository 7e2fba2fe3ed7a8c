import type pg from "pg";
import type { StockLevel, StockLevelKey } from "../../generated/stock-level.js";

export interface SaveDeleteInput {
  readonly index: number;
  readonly databaseUrl: string;
  readonly table: string;
  readonly redisPort: number;
  readonly keyPrefix: string;
  readonly keys: readonly StockLevelKey[];
  readonly rounds: number;
  readonly concurrency: number;
  readonly replyMs: number;
  /** Whether save answers the row it kept (the fenced upsert's RETURNING, else the row that refused it). */
  readonly returnKept: boolean;
}

/** `table` (id columns plus a bigint revision) as a StockLevel source: the upsert is fenced on revision, as README recommends. */
export function stockTableSource(pool: pg.Pool, table: string) {
  const toStock = (row: Record<string, unknown>): StockLevel => ({
    warehouseId: row.warehouse_id as string,
    sku: row.sku as string,
    available: row.available as number,
    reserved: row.reserved as number,
    revision: Number(row.revision),
    countedOn: new Date(`${row.counted_on as string}T00:00:00.000Z`),
  });
  return {
    createSql: `CREATE TABLE ${table} (warehouse_id text NOT NULL, sku text NOT NULL, available int NOT NULL,
      reserved int NOT NULL, revision bigint NOT NULL, counted_on text NOT NULL, PRIMARY KEY (warehouse_id, sku))`,
    async load(key: StockLevelKey): Promise<StockLevel | null> {
      const r = await pool.query(`SELECT * FROM ${table} WHERE warehouse_id = $1 AND sku = $2`, [
        key.warehouseId,
        key.sku,
      ]);
      return r.rows[0] ? toStock(r.rows[0] as Record<string, unknown>) : null;
    },
    async save(s: StockLevel): Promise<void> {
      await pool.query(
        `INSERT INTO ${table} (warehouse_id, sku, available, reserved, revision, counted_on)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (warehouse_id, sku) DO UPDATE SET available = $3, reserved = $4, revision = $5, counted_on = $6
         WHERE ${table}.revision < EXCLUDED.revision`,
        [s.warehouseId, s.sku, s.available, s.reserved, s.revision, s.countedOn.toISOString().slice(0, 10)],
      );
    },
    /** The same fenced upsert, answering the row the table kept (ours, or the newer one that refused it). */
    async saveReturning(s: StockLevel): Promise<StockLevel | void> {
      const r = await pool.query(
        `WITH up AS (
           INSERT INTO ${table} (warehouse_id, sku, available, reserved, revision, counted_on)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (warehouse_id, sku) DO UPDATE SET available = $3, reserved = $4, revision = $5, counted_on = $6
           WHERE ${table}.revision < EXCLUDED.revision
           RETURNING *)
         SELECT * FROM up
         UNION ALL SELECT * FROM ${table} WHERE warehouse_id = $1 AND sku = $2 AND NOT EXISTS (SELECT 1 FROM up)`,
        [s.warehouseId, s.sku, s.available, s.reserved, s.revision, s.countedOn.toISOString().slice(0, 10)],
      );
      // No row: the conflicting row was committed after this statement's snapshot; answer nothing.
      if (r.rows[0]) return toStock(r.rows[0] as Record<string, unknown>);
    },
    async delete(key: StockLevelKey): Promise<void> {
      await pool.query(`DELETE FROM ${table} WHERE warehouse_id = $1 AND sku = $2`, [key.warehouseId, key.sku]);
    },
  };
}
