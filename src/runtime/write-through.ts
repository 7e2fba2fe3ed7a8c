import type { ResolvedKey } from "./key-space.js";
import { InvalidateAfterWrite } from "./invalidate-after-write.js";
import { newToken } from "./leases.js";

/**
 * write-through: `save` registers as a writer of the key (with the tag epoch), writes the source,
 * then puts the value in the cache (one script that revokes the lease, and writes the value, its
 * index entries and tag sets only when it can tell the value is what the source holds). A put that
 * overlapped another writer, a delete or an invalidation of the key (or a tag invalidation) revokes
 * the value instead, as does a versioned write the source may have refused: the source's answer
 * (the row it kept, when `save` returns it) is cached in its place, else a value is cached only
 * over an older cached version. `delete` invalidates after the source write, as cache-aside does;
 * its invalidation marks the writers in flight, so a save racing it caches nothing.
 */
export class WriteThrough<TEntity, TKey> extends InvalidateAfterWrite<TEntity, TKey> {
  override async save(entity: TEntity): Promise<void> {
    const { keys, source, invalidator, redis } = this.parts;
    const k = keys.fromEntity(entity);
    const save = source.require("save");
    invalidator.forgetReads(k.valueKey);
    const writer = newToken();
    const marked = await redis.markWriter(k, writer);
    let kept: unknown;
    try {
      kept = await save(entity);
    } catch (error) {
      if (marked.ok) void redis.unmarkWriter(k, writer);
      throw error;
    }
    if (!marked.ok) await invalidator.revoke(k, [entity]);
    else await this.put(k, entity, kept, { writer, epoch: marked.value });
  }

  /**
   * Puts what the source holds after this process's write: the row it answered (`kept`), else the
   * value written; then drops the old value's stale index entries and what `invalidates` names. A
   * value that cannot be cached is revoked instead; on a Redis failure the key is revoked later
   * (retried).
   */
  private async put(
    k: ResolvedKey<TKey>,
    entity: TEntity,
    kept: unknown,
    registration: { writer: string; epoch: string },
  ): Promise<void> {
    const { codec, ttl, events, redis, invalidator, keys, definition } = this.parts;
    invalidator.forget(k.valueKey);
    const answered = kept !== undefined && kept !== null;
    let value = entity;
    if (answered) {
      if (keys.encOfEntity(kept as TEntity) === k.enc) value = kept as TEntity;
      else {
        events.record("invalid-value", k.valueKey, {
          detail: "source.save returned a row of another key: not cached",
        });
        void redis.unmarkWriter(k, registration.writer);
        await invalidator.revoke(k, [entity]);
        return;
      }
    }
    const now = Date.now();
    const lifetime = ttl.valueOf(value, now);
    const encoded = lifetime
      ? codec.encode(value, k.enc, now + lifetime.fresh)
      : ({ ok: false, reason: "its expiresAt has passed" } as const);
    if (!encoded.ok || !lifetime) {
      if (!encoded.ok && lifetime)
        events.record("invalid-value", k.valueKey, { detail: `value not cached: ${encoded.reason}` });
      void redis.unmarkWriter(k, registration.writer);
      await invalidator.revoke(k, value === entity ? [entity] : [entity, value]);
      return;
    }
    const r = await redis.put(k, value, {
      stored: encoded.stored,
      pttl: lifetime.pttl,
      version: codec.versionOf(value),
      writer: registration.writer,
      writerEpoch: registration.epoch,
      // Without versionField the source takes every write (last commit wins); with it, only its answer is proof.
      proven: answered || !definition.versionField,
      returnOld: invalidator.needsOldValue,
    });
    const written = value === entity ? [entity] : [entity, value];
    if (!r.ok) await invalidator.revokeLater(k, written);
    else if (r.value.status === "written") await invalidator.afterReplace(k, r.value.old, value, [entity]);
    else if (r.value.status === "dropped") await invalidator.afterReplace(k, r.value.old, undefined, written);
    else await invalidator.afterReplace(k, undefined, undefined, written);
  }
}
