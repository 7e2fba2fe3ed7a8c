import type { CommandClient } from "./command-client.js";
import { InvalidateAfterWrite } from "./invalidate-after-write.js";
import type { Invalidator } from "./invalidator.js";
import type { ResolvedKey } from "./key-space.js";
import type { EntityParts } from "./repository-parts.js";
import type { DurabilityOptions, EntitySource } from "./types.js";
import { WriteBehind } from "./write-behind.js";
import { WriteThrough } from "./write-through.js";

/** How `save` and `delete` reach the source and the cache: one per strategy, chosen from the definition. */
export interface WriteStrategy<TEntity, TKey> {
  save(entity: TEntity): Promise<void>;
  delete(k: ResolvedKey<TKey>): Promise<void>;
  /**
   * The value of a write of `k` still queued (null: a queued delete), or undefined when none is.
   * Only a strategy that queues writes has it: such a value is newer than the source's row.
   */
  readonly queuedValue?: (k: ResolvedKey<TKey>) => Promise<TEntity | null | undefined>;
}

/** What a write strategy works with. */
export interface WriteParts<TEntity, TKey> extends EntityParts<TEntity, TKey> {
  readonly invalidator: Invalidator<TEntity, TKey>;
  /** For the write-behind worker: the client it duplicates, and the source it writes to. */
  readonly client: CommandClient;
  readonly rawSource: EntitySource<TEntity, TKey> | undefined;
  /** The `durability` option, checked (write-behind waits for replicas after each enqueue). */
  readonly durability: Required<DurabilityOptions> | undefined;
}

export function writeStrategyFor<TEntity, TKey>(parts: WriteParts<TEntity, TKey>): WriteStrategy<TEntity, TKey> {
  const strategy = parts.definition.strategy;
  switch (strategy) {
    case "cache-aside":
    case "read-through":
      return new InvalidateAfterWrite(parts);
    case "write-through":
      return new WriteThrough(parts);
    case "write-behind":
      return new WriteBehind(parts);
    default:
      throw new TypeError(
        `cachegen: ${parts.definition.name} has an unknown strategy ${JSON.stringify(strategy satisfies never)}`,
      );
  }
}
