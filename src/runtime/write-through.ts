import type { ResolvedKey } from "./key-space.js";
import { InvalidateAfterWrite } from "./invalidate-after-write.js";
import { newToken } from "./leases.js";

/**
 * write-through: `save` writes the source, then puts the new value in the cache (one script that
 * revokes the lease, keeps a newer version, and writes index entries and tag sets). Without a
 * `versionField` overlapping writers cannot be ordered, so each registers as a writer first, and a
 * put that overlapped another writer drops the value instead (falls back to invalidation).
 * `delete` invalidates after the source write, as cache-aside does.
 */
export class WriteThrough<TEntity, TKey> extends InvalidateAfterWrite<TEntity, TKey> {
  override async save(entity: TEntity): Promise<void> {
    const { keys, source, invalidator, redis, definition } = this.parts;
    const k = keys.fromEntity(entity);
    const save = source.require("save");
    invalidator.forgetReads(k.valueKey);
    let writer: string | undefined = "";
    if (!definition.versionField) {
      writer = newToken();
      if (!(await redis.markWriter(k, writer)).ok) writer = undefined;
    }
    try {
      await save(entity);
    } catch (error) {
      if (writer) void redis.unmarkWriter(k, writer);
      throw error;
    }
    if (writer === undefined) await invalidator.revoke(k, [entity]);
    else await this.put(k, entity, writer);
  }

  /**
   * Puts a value this process just wrote to the source, then drops the old value's stale index
   * entries and what `invalidates` names. A value that cannot be cached is revoked instead; on a
   * Redis failure the key is revoked later (retried).
   */
  private async put(k: ResolvedKey<TKey>, entity: TEntity, writer: string): Promise<void> {
    const { codec, ttl, events, redis, invalidator } = this.parts;
    invalidator.forget(k.valueKey);
    const { fresh, pttl } = ttl.value();
    const encoded = codec.encode(entity, k.enc, Date.now() + fresh);
    if (!encoded.ok) {
      events.record("invalid-value", k.valueKey, { detail: `value not cached: ${encoded.reason}` });
      if (writer) void redis.unmarkWriter(k, writer);
      await invalidator.revoke(k, [entity]);
      return;
    }
    const r = await redis.put(k, entity, {
      stored: encoded.stored,
      pttl,
      version: codec.versionOf(entity),
      writer,
      returnOld: invalidator.needsOldValue,
    });
    if (!r.ok) await invalidator.revokeLater(k, [entity]);
    else await invalidator.afterReplace(k, r.value.old, entity);
  }
}
