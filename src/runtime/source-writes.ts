import type { WriteBehindSource } from "./types.js";
import type { KeyGroup } from "./write-behind-batch.js";

/**
 * Writes each group's coalesced write to the source: `saveMany` / `deleteMany` for a batch where the
 * source has them, else `save` / `delete` per entity. A batch that fails is retried entity by entity,
 * so one bad row fails alone and the rest land. A save that follows a delete of its key is written
 * alone, after the delete. Returns the error of every group that did not land, and the row `save`
 * answered (the row the source kept) for each group it answered one for (`saveMany` answers none).
 */
export async function writeToSource<TEntity, TKey>(
  source: WriteBehindSource<TEntity, TKey>,
  groups: readonly KeyGroup<TEntity, TKey>[],
): Promise<{ failures: Map<KeyGroup<TEntity, TKey>, unknown>; kept: Map<KeyGroup<TEntity, TKey>, unknown> }> {
  const failures = new Map<KeyGroup<TEntity, TKey>, unknown>();
  const kept = new Map<KeyGroup<TEntity, TKey>, unknown>();
  const answered = (group: KeyGroup<TEntity, TKey>, row: unknown): void => {
    if (row !== undefined && row !== null) kept.set(group, row);
  };
  const saves: { group: KeyGroup<TEntity, TKey>; entity: TEntity }[] = [];
  const deletes: { group: KeyGroup<TEntity, TKey>; key: TKey }[] = [];
  const recreations: { group: KeyGroup<TEntity, TKey>; entity: TEntity; key: TKey }[] = [];
  for (const group of groups) {
    const { write } = group;
    if (write.op === "save" && write.afterDelete !== undefined)
      recreations.push({ group, entity: write.entity, key: write.afterDelete });
    else if (write.op === "save") saves.push({ group, entity: write.entity });
    else if (write.op === "delete") deletes.push({ group, key: write.key });
    else failures.set(group, new Error(write.reason));
  }
  await Promise.all([
    writeBatch(
      recreations,
      undefined,
      async (item) => {
        await source.delete(item.key);
        answered(item.group, await source.save(item.entity));
      },
      failures,
    ),
    writeBatch(
      saves,
      source.saveMany && ((items) => source.saveMany!(items.map((item) => item.entity))),
      async (item) => answered(item.group, await source.save(item.entity)),
      failures,
    ),
    writeBatch(
      deletes,
      source.deleteMany && ((items) => source.deleteMany!(items.map((item) => item.key))),
      (item) => source.delete(item.key),
      failures,
    ),
  ]);
  return { failures, kept };
}

async function writeBatch<TGroup, TItem extends { group: TGroup }>(
  items: readonly TItem[],
  many: ((items: readonly TItem[]) => Promise<void>) | undefined,
  one: (item: TItem) => Promise<unknown>,
  failures: Map<TGroup, unknown>,
): Promise<void> {
  if (!items.length) return;
  if (many && items.length > 1) {
    try {
      await many(items);
      return;
    } catch {
      // Which row failed is unknown: write them one by one below.
    }
  }
  const results = await Promise.allSettled(items.map(async (item) => one(item)));
  results.forEach((result, i) => {
    if (result.status === "rejected") failures.set(items[i]!.group, result.reason);
  });
}
