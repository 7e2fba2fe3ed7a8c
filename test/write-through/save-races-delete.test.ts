// Issue 11 item 5: a write-through save whose reply arrives after a delete of the same key (the
// delete's invalidation landed first) must not write the deleted row back into the cache.
// The stress against PostgreSQL, with processes: save-delete-stress.test.ts.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteByPrefix,
  Repository,
  type EntityDefinition,
  type EntitySource,
  type RedisClient,
} from "cachegen/runtime";
import { stockLevelEntity, type StockLevel, type StockLevelKey } from "../../generated/stock-level.js";
import { connect, uniquePrefix } from "../runtime/helpers.js";
import { MemoryStock, stock, stockKey, unversionedStockLevel } from "./memory-stock.js";

const prefix = uniquePrefix("wt-save-delete");
let a: Redis;
let b: Redis;

beforeAll(async () => {
  [a, b] = await Promise.all([connect(), connect()]);
});

afterAll(async () => {
  await deleteByPrefix(a, prefix);
  await Promise.all([a.quit(), b.quit()]);
});

type StockRepository = Repository<StockLevel, StockLevelKey, EntitySource<StockLevel, StockLevelKey>>;

/** Two processes' repositories (own connections) over one source. */
function processes(definition: EntityDefinition<StockLevel, StockLevelKey>, store: MemoryStock) {
  const options = { source: store.source, keyPrefix: prefix };
  const first: StockRepository = new Repository(definition, { ...options, redis: a as RedisClient });
  const second: StockRepository = new Repository(definition, { ...options, redis: b as RedisClient });
  return [first, second] as const;
}

describe.each([
  ["with versionField", stockLevelEntity],
  ["without versionField", unversionedStockLevel],
])("write-through %s: a save racing a delete", (_, definition) => {
  it.each([false, true])(
    "A's save commits, B deletes (source, then cache), A's reply arrives: nothing is cached (source returns the kept row: %s)",
    async (returnKept) => {
      const store = new MemoryStock({ fenced: definition.versionField !== undefined, returnKept });
      const [first, second] = processes(definition, store);
      const key = stockKey();
      await first.save(stock(key, 1));
      expect(await second.get(key)).toMatchObject({ revision: 1 });

      const held = store.hold();
      const saving = first.save(stock(key, 2));
      await held.committed;
      await second.delete(key);
      held.answer();
      await saving;

      expect(store.rows.size).toBe(0);
      expect(await a.exists(first.keyOf(key))).toBe(0);
      expect(await second.get(key)).toBeNull();
    },
  );

  it("B's delete completes before A's save starts: A's row is cached (the row exists again)", async () => {
    const store = new MemoryStock({ fenced: definition.versionField !== undefined, returnKept: true });
    const [first, second] = processes(definition, store);
    const key = stockKey();
    await first.save(stock(key, 1));
    await second.delete(key);
    await first.save(stock(key, 2));
    expect(await second.get(key)).toMatchObject({ revision: 2 });
    expect(await a.exists(first.keyOf(key))).toBe(1);
  });
});
