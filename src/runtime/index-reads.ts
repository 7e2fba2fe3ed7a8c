import type { Coalescer } from "./coalescer.js";
import { InvalidKeyError } from "./errors.js";
import type { Invalidator } from "./invalidator.js";
import type { ResolvedKey } from "./key-space.js";
import type { Leases } from "./leases.js";
import type { EntityParts } from "./repository-parts.js";

export interface IndexReadParts<TEntity, TKey> extends EntityParts<TEntity, TKey> {
  readonly leases: Leases<TEntity, TKey>;
  readonly invalidator: Invalidator<TEntity, TKey>;
  /** Index reads in flight in this process, by index key. */
  readonly inFlight: Coalescer<TEntity | null>;
  /** The value of a write of `k` still queued (null: a delete), undefined when none is (write-behind only). */
  readonly queuedValue: ((k: ResolvedKey<TKey>) => Promise<TEntity | null | undefined>) | undefined;
}

/**
 * `getBy<Index>`: reads the index entry and the value it points to in one script. The value is
 * served only if its indexed fields and key still match (a stale pointer is a miss). A miss loads
 * with the source's index loader and writes the pointer only: the value was not loaded under a
 * lease, so it is not filled. (Lists will be read here too.)
 */
export class IndexReads<TEntity, TKey> {
  constructor(private readonly parts: IndexReadParts<TEntity, TKey>) {}

  async get(index: string, values: readonly unknown[]): Promise<TEntity | null> {
    const { definition, keys, source, inFlight, events } = this.parts;
    if (!definition.indexes[index]) throw new InvalidKeyError(`${definition.name}: unknown index "${index}"`);
    const indexKey = keys.indexKey(index, values);
    const load = source.indexLoader(index, indexKey);
    const { promise, joined } = inFlight.run(indexKey, () => this.read(index, indexKey, () => load(values)));
    if (joined) events.record("coalesced", indexKey);
    return promise;
  }

  private async read(index: string, indexKey: string, load: () => Promise<TEntity | null>): Promise<TEntity | null> {
    const { definition, keys, codec, redis, invalidator, events } = this.parts;
    const r = await redis.readIndex(indexKey);
    const raw = r.ok ? r.value?.stored : undefined;
    if (r.ok && r.value && raw) {
      const { pointer } = r.value;
      const decoded = codec.decode(raw, pointer);
      const valueKey = keys.valueKeyOfEnc(pointer);
      if (invalidator.isPending(valueKey)) {
        // a revocation of this value is still pending: do not trust it
      } else if (decoded.kind === "invalid") {
        invalidator.discardInvalid(valueKey, raw, decoded.reason);
      } else if (
        decoded.kind === "value" &&
        keys.indexKeyOfEntity(index, decoded.entity) === indexKey &&
        keys.encOfEntity(decoded.entity) === pointer
      ) {
        if (Date.now() < decoded.freshUntil) {
          events.record("hit", valueKey);
          return decoded.entity;
        }
        if (definition.staleWhileRevalidateMs) {
          events.record("stale-hit", valueKey);
          try {
            this.parts.leases.revalidate(keys.fromEntity(decoded.entity), undefined);
          } catch {
            // key fields invalid: nothing to refresh
          }
          return decoded.entity;
        }
      }
    }
    events.record("miss", indexKey);
    const entity = await this.loadMiss(index, indexKey, load);
    if (entity !== null && r.ok) {
      const enc = keys.encOfEntity(entity);
      const lifetime = this.parts.ttl.valueOf(entity);
      if (enc !== undefined && lifetime && keys.indexKeyOfEntity(index, entity) === indexKey) {
        await redis.writeIndexPointer(indexKey, enc, lifetime.pttl);
      }
    }
    return entity;
  }

  /** Loads with the index loader; a queued write of the row's key is newer than the source's row, so it wins. */
  private async loadMiss(
    index: string,
    indexKey: string,
    load: () => Promise<TEntity | null>,
  ): Promise<TEntity | null> {
    const entity = await load();
    const { queuedValue, keys } = this.parts;
    if (entity === null || !queuedValue) return entity;
    let k: ResolvedKey<TKey>;
    try {
      k = keys.fromEntity(entity);
    } catch {
      return entity; // key fields invalid: the source's problem, not a queued write
    }
    const queued = await queuedValue(k);
    if (queued === undefined) return entity;
    return queued !== null && keys.indexKeyOfEntity(index, queued) === indexKey ? queued : null;
  }
}
