import type { ResolvedKey } from "./key-space.js";
import type { WriteParts, WriteStrategy } from "./write-strategy.js";

/**
 * cache-aside and read-through: `save` and `delete` write the source, then revoke the cached value
 * (and its lease, so a fill racing the write cannot cache the older value), its index entries and
 * what `invalidates` names. The next read loads the new row.
 */
export class InvalidateAfterWrite<TEntity, TKey> implements WriteStrategy<TEntity, TKey> {
  constructor(protected readonly parts: WriteParts<TEntity, TKey>) {}

  async save(entity: TEntity): Promise<void> {
    const k = this.parts.keys.fromEntity(entity);
    const save = this.parts.source.require("save");
    this.parts.invalidator.forgetReads(k.valueKey);
    await save(entity);
    await this.parts.invalidator.revoke(k, [entity]);
  }

  async delete(k: ResolvedKey<TKey>): Promise<void> {
    const remove = this.parts.source.require("delete");
    this.parts.invalidator.forgetReads(k.valueKey);
    await remove(k.key);
    await this.parts.invalidator.revoke(k, []);
  }
}
