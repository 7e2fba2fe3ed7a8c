import { randomBytes } from "node:crypto";
import { defineEntity, type EntityDefinition } from "cachegen/runtime";
import { stockLevelEntity, type StockLevel, type StockLevelKey } from "../../generated/stock-level.js";
import { holdPoint } from "../support/hold.js";

export const unversionedStockLevel: EntityDefinition<StockLevel, StockLevelKey> = (() => {
  const { versionField: _dropped, ...withoutVersion } = stockLevelEntity;
  return defineEntity<StockLevel, StockLevelKey>(withoutVersion);
})();

export function stockKey(): StockLevelKey {
  return { warehouseId: "W1", sku: `SKU-${randomBytes(4).toString("hex")}` };
}

export function stock(key: StockLevelKey, revision: number, available = revision * 10): StockLevel {
  return { ...key, available, reserved: 0, revision, countedOn: new Date(Date.UTC(2024, 0, 1)) };
}

const id = (key: StockLevelKey): string => `${key.warehouseId}/${key.sku}`;

/**
 * StockLevel rows in memory, fenced on revision like README's upsert (`WHERE revision < $new`)
 * when `fenced`; `returnKept` makes save answer the row it kept (`EntitySource.save` may). `hold()`
 * stops the next save after its commit, before it answers: the test decides when the reply arrives.
 */
export class MemoryStock {
  readonly rows = new Map<string, StockLevel>();
  private held: ReturnType<typeof holdPoint> | undefined;

  constructor(private readonly options: { fenced: boolean; returnKept: boolean }) {}

  /** The next save stops after committing; resolves once it did, with the function that lets it answer. */
  hold(): { committed: Promise<void>; answer: () => void } {
    const point = holdPoint();
    this.held = point;
    return { committed: point.arrived, answer: point.release };
  }

  readonly source = {
    load: async (key: StockLevelKey): Promise<StockLevel | null> => structuredClone(this.rows.get(id(key)) ?? null),
    save: async (entity: StockLevel): Promise<StockLevel | void> => {
      const current = this.rows.get(id(entity));
      if (!this.options.fenced || !current || current.revision < entity.revision)
        this.rows.set(id(entity), structuredClone(entity));
      const kept = structuredClone(this.rows.get(id(entity))!);
      const held = this.held;
      this.held = undefined;
      if (held) await held.arrive();
      if (this.options.returnKept) return kept;
    },
    delete: async (key: StockLevelKey): Promise<void> => {
      this.rows.delete(id(key));
    },
  };
}
