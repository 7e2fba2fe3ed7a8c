import { WRITE_BEHIND_DEFAULTS, type WriteBehindSettings } from "./definition.js";
import { Durability } from "./durability.js";
import type { EntityRedis } from "./entity-redis.js";
import { CacheUnavailableError, CacheWriteUnknownError, CachegenError } from "./errors.js";
import type { ResolvedKey } from "./key-space.js";
import { sleep } from "./sleep.js";
import { PENDING_FRESH_UNTIL, storedNotFound, type StoredValue } from "./stored-value.js";
import type { WorkerOptions, WriteBehindSource, WriteBehindWorker } from "./types.js";
import { replayDeadLetters } from "./write-behind-dead-letters.js";
import { QueueWorker, type QueuePlace } from "./write-behind-worker.js";
import type { WriteParts, WriteStrategy } from "./write-strategy.js";

const DEFAULT_FLUSH_TIMEOUT_MS = 30_000;

/**
 * An error reply from Redis (OOM, a script error): the enqueue script raised before its XADD, the
 * last thing it does, so nothing was queued. Any other failure after sending (timeout, connection
 * lost) leaves the outcome unknown.
 */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}

/**
 * write-behind: `save` and `delete` write the value (or a tombstone) and a queue entry to Redis in
 * one script and resolve once both are there; a worker writes the source later, at least once.
 *
 * A value whose write is queued has no expiry and is never replaced by a source load; its TTL
 * applies once the write has landed. Invalidations keep such a value (it is newer than the source;
 * dropping it would let the source's older row be read), and a read that would load from the
 * source prefers it (`queuedValue`).
 */
export class WriteBehind<TEntity, TKey> implements WriteStrategy<TEntity, TKey> {
  readonly settings: WriteBehindSettings;

  private readonly durability: Durability | undefined;

  constructor(private readonly parts: WriteParts<TEntity, TKey>) {
    this.settings = parts.definition.writeBehind ?? WRITE_BEHIND_DEFAULTS;
    this.durability =
      parts.durability && new Durability(parts.durability, parts.redis as EntityRedis<unknown, unknown>, parts.events);
  }

  async save(entity: TEntity): Promise<void> {
    const { keys, source, codec, definition } = this.parts;
    const k = keys.fromEntity(entity);
    source.require("save");
    const encoded = codec.encode(entity, k.enc, PENDING_FRESH_UNTIL);
    if (!encoded.ok) throw new CachegenError(`${definition.name}: save not queued: the value ${encoded.reason}`);
    await this.enqueue(k, encoded.stored, entity);
  }

  async delete(k: ResolvedKey<TKey>): Promise<void> {
    this.parts.source.require("delete");
    await this.enqueue(k, storedNotFound(PENDING_FRESH_UNTIL), undefined);
  }

  readonly queuedValue = async (k: ResolvedKey<TKey>): Promise<TEntity | null | undefined> => {
    const r = await this.parts.redis.queuedValue(k);
    const raw = r.ok ? r.value : null;
    if (!raw) return undefined;
    const decoded = this.parts.codec.decode(raw, k.enc, k.key);
    if (decoded.kind === "invalid") return undefined;
    return decoded.kind === "value" ? decoded.entity : null;
  };

  startWorker(options?: WorkerOptions): WriteBehindWorker {
    const { definition, keys, codec, events, client, rawSource, ttl, invalidator } = this.parts;
    if (!rawSource)
      throw new CachegenError(
        `${definition.name}: startWorker needs a source implementing ${definition.name}Source.save and .delete`,
      );
    const host = {
      definition,
      keys,
      codec,
      events,
      client,
      source: rawSource as WriteBehindSource<TEntity, TKey>,
      settings: this.settings,
      landingTtl: (entity: TEntity | undefined) => ttl.landed(entity),
      landed: async (values: readonly TEntity[]) => {
        await Promise.all([invalidator.revokeTargets(values), invalidator.dropListsOf(values)]);
      },
    };
    // One worker per partition (its own connection: XREADGROUP blocks it), and one for the layout-1
    // stream while it exists (a deploy before partitions queued there).
    const places: QueuePlace[] = [
      ...keys.bucketTags.map((tag, i) => ({
        stream: keys.streamKeys[i]!,
        deadLetters: keys.deadLetterKeys[i]!,
        placement: { entryTag: tag },
        onlyIfExists: false,
      })),
      { stream: keys.legacyStreamKey, deadLetters: keys.legacyDeadLetterKey, placement: "legacy", onlyIfExists: true },
    ];
    const workers = places.map((place) => new QueueWorker<TEntity, TKey>(host, options, place));
    return { stop: async () => void (await Promise.all(workers.map((worker) => worker.stop()))) };
  }

  async flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<void> {
    const { definition, keys, redis } = this.parts;
    const deadline = Date.now() + timeoutMs;
    let delay = 5;
    for (;;) {
      const r = await redis.queueLength();
      if (r.ok && r.value === 0) return;
      if (Date.now() >= deadline) {
        const state = r.ok ? `${r.value} write(s) still queued` : `Redis unavailable (${(r.error as Error).message})`;
        throw new CachegenError(
          `${definition.name}: flush timed out after ${timeoutMs} ms with ${state} in ${keys.root}{…}:q (${keys.buckets} partitions); is a worker running (startWorker())? A write that keeps failing moves to its partition's dead-letter stream (${keys.root}{…}:dlq) after ${this.settings.maxAttempts} attempts`,
        );
      }
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 50);
    }
  }

  async replayDeadLetters(options: { limit?: number } = {}): Promise<number> {
    const { definition, keys, redis } = this.parts;
    const r = await redis.onStreams("write-behind-replay", (c) =>
      replayDeadLetters(c, { prefix: keys.prefix, entity: definition.name, partitions: keys.buckets }, options.limit),
    );
    if (!r.ok)
      throw new CacheUnavailableError(
        `${definition.name}: dead letters not replayed: Redis unavailable (${(r.error as Error).message})`,
        { cause: r.error },
      );
    return r.value;
  }

  async pending(): Promise<number> {
    const r = await this.parts.redis.queueLength();
    if (!r.ok)
      throw new CacheUnavailableError(
        `${this.parts.definition.name}: cannot count queued writes: Redis unavailable (${(r.error as Error).message})`,
      );
    return r.value;
  }

  private async enqueue(k: ResolvedKey<TKey>, stored: StoredValue, entity: TEntity | undefined): Promise<void> {
    const { definition, codec, redis, invalidator, ttl, events } = this.parts;
    invalidator.forget(k.valueKey);
    const r = await redis.enqueue(k, entity, {
      stored,
      version: entity === undefined ? "" : codec.versionOf(entity),
      keepPrevious: definition.invalidates.length > 0 || Object.keys(definition.lists ?? {}).length > 0,
      tagTtlMs: ttl.value().pttl,
      returnOld: invalidator.needsOldValue,
    });
    const what = `${entity === undefined ? "delete" : "save"} of ${k.valueKey}`;
    if (!r.ok) {
      const reason = (r.error as Error)?.message ?? String(r.error);
      if (r.skipped)
        throw new CacheUnavailableError(
          `${definition.name}: ${what} not queued: Redis is unavailable (${reason}); nothing was written, retry once Redis is back`,
          { cause: r.error },
        );
      if (isReplyError(r.error))
        throw new CacheUnavailableError(
          `${definition.name}: ${what} not queued: Redis refused it (${reason}); nothing was queued`,
          { cause: r.error },
        );
      throw new CacheWriteUnknownError(
        `${definition.name}: ${what} not acknowledged: ${reason}. It was sent and may be queued; retrying is safe (writes reach the source at least once)`,
        { cause: r.error },
      );
    }
    if (r.value.status !== "queued") return;
    events.record("queued", k.valueKey);
    const replicated = this.durability?.replicated(k.valueKey, what);
    // The WAIT runs alongside (its rejection is taken below, after the invalidations owed to the write).
    replicated?.catch(() => undefined);
    await invalidator.afterReplace(k, r.value.old, entity);
    await replicated;
  }
}
