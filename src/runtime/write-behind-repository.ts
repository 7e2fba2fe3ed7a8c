import type { EntityDefinition } from "./definition.js";
import { CacheUnavailableError, CachegenError } from "./errors.js";
import type { ResolvedKey } from "./keys.js";
import { Repository } from "./repository.js";
import { sleep } from "./sleep.js";
import type { KeyInput, RepositoryOptions, WorkerOptions, WriteBehindSource, WriteBehindWorker } from "./types.js";
import { QueueWorker, type WriteBehindSettings } from "./write-behind-worker.js";
import { PENDING_FRESH_UNTIL, storedNotFound, type StoredValue } from "./stored-value.js";

const DEFAULT_SETTINGS: WriteBehindSettings = { batchSize: 100, flushIntervalMs: 1_000, maxAttempts: 5 };
const DEFAULT_FLUSH_TIMEOUT_MS = 30_000;

/**
 * A write-behind repository (SPEC §5, guarantee 4; architecture.md, "Write-behind"). `save` and
 * `delete` write the value (or a tombstone) and a queue entry to Redis in one script and resolve
 * once both are there; a worker (`startWorker`) writes the source later, at least once.
 *
 * A value whose write is queued has no expiry and is never replaced by a source load; its TTL
 * applies once the write has landed. `invalidate(key)` and `invalidateTag` keep such a value (it is
 * newer than the source; dropping it would let the source's older row be read), and still drop
 * what they would drop for any other key.
 */
export class WriteBehindRepository<TEntity, TKey, TSource extends WriteBehindSource<TEntity, TKey>, TTag = never> extends Repository<
  TEntity,
  TKey,
  TSource,
  TTag
> {
  private readonly settings: WriteBehindSettings;

  constructor(definition: EntityDefinition<TEntity, TKey>, options: RepositoryOptions<TSource>) {
    super(definition, options);
    if (definition.strategy !== "write-behind") {
      throw new TypeError(`cachegen: ${definition.name} has strategy ${definition.strategy}; WriteBehindRepository is for write-behind entities (use Repository)`);
    }
    this.settings = definition.writeBehind ?? DEFAULT_SETTINGS;
  }

  /**
   * Writes the value and its queue entry to Redis together. With a `versionField`, a value older
   * than the cached one changes nothing (and is not queued). Rejects with CacheUnavailableError
   * when Redis cannot take it: after a timeout it may still have been queued (at-least-once), so
   * retrying is safe.
   */
  override async save(entity: TEntity): Promise<void> {
    const k = this.keys.fromEntity(entity);
    this.sourceAdapter.require("save");
    const encoded = this.codec.encode(entity, k.enc, PENDING_FRESH_UNTIL);
    if (!encoded.ok) throw new CachegenError(`${this.definition.name}: save not queued: the value ${encoded.reason}`);
    await this.enqueue(k, encoded.stored, entity);
  }

  /** Writes a tombstone and its queue entry to Redis together; rejects like `save`. */
  override async delete(key: KeyInput<TKey>): Promise<void> {
    const k = this.keys.resolve(key);
    this.sourceAdapter.require("delete");
    await this.enqueue(k, storedNotFound(PENDING_FRESH_UNTIL), undefined);
  }

  /** If the write of `key` is still queued, returns the queued value; otherwise reloads from the source. */
  override async refresh(key: KeyInput<TKey>): Promise<TEntity | null> {
    const k = this.keys.resolve(key);
    const queued = await this.queuedValueOf(k);
    if (queued !== undefined) return queued;
    return super.refresh(key);
  }

  /** Starts a worker that writes queued entries to the source (any number of workers may run, in any process). */
  startWorker(options?: WorkerOptions): WriteBehindWorker {
    const source = this.source;
    if (!source) throw new CachegenError(`${this.definition.name}: startWorker needs a source implementing ${this.definition.name}Source.save and .delete`);
    return new QueueWorker<TEntity, TKey>(
      {
        definition: this.definition,
        keys: this.keys,
        codec: this.codec,
        events: this.events,
        client: this.client,
        source,
        settings: this.settings,
        landingTtl: () => this.ttl.landed(),
        landed: (values) => this.invalidator.revokeTargets(values),
      },
      options,
    );
  }

  /** Resolves when this entity's queue is empty; rejects after `timeoutMs` (default 30 s). */
  async flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 5;
    for (;;) {
      const r = await this.redis.queueLength();
      if (r.ok && r.value === 0) return;
      if (Date.now() >= deadline) {
        const state = r.ok ? `${r.value} write(s) still queued` : `Redis unavailable (${(r.error as Error).message})`;
        throw new CachegenError(
          `${this.definition.name}: flush timed out after ${timeoutMs} ms with ${state} in ${this.keys.streamKey}; is a worker running (startWorker())? A write that keeps failing moves to ${this.keys.deadLetterKey} after ${this.settings.maxAttempts} attempts`,
        );
      }
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Queue entries not yet written to the source (queued or in flight). */
  async pending(): Promise<number> {
    const r = await this.redis.queueLength();
    if (!r.ok) throw new CacheUnavailableError(`${this.definition.name}: cannot count queued writes: Redis unavailable (${(r.error as Error).message})`);
    return r.value;
  }

  /** The value of a key whose write is queued (null: a queued delete), or undefined when none is. */
  protected override async queuedValueOf(k: ResolvedKey<TKey>): Promise<TEntity | null | undefined> {
    const r = await this.redis.queuedValue(k);
    const raw = r.ok ? r.value : null;
    if (!raw) return undefined;
    const decoded = this.codec.decode(raw, k.enc);
    if (decoded.kind === "invalid") return undefined;
    return decoded.kind === "value" ? decoded.entity : null;
  }

  private async enqueue(k: ResolvedKey<TKey>, stored: StoredValue, entity: TEntity | undefined): Promise<void> {
    this.invalidator.forget(k.valueKey);
    const r = await this.redis.enqueue(k, entity, {
      stored,
      version: entity === undefined ? "" : this.codec.versionOf(entity),
      keepPrevious: this.definition.invalidates.length > 0,
      tagTtlMs: this.ttl.value().pttl,
      returnOld: this.invalidator.needsOldValue,
    });
    const what = `${entity === undefined ? "delete" : "save"} of ${k.valueKey}`;
    if (!r.ok) {
      const reason = (r.error as Error)?.message ?? String(r.error);
      throw new CacheUnavailableError(
        r.skipped
          ? `${this.definition.name}: ${what} not queued: Redis is unavailable (${reason}); nothing was written, retry once Redis is back`
          : `${this.definition.name}: ${what} not acknowledged: ${reason}. If Redis applied it before failing it is queued anyway; retrying is safe (writes reach the source at least once)`,
        { cause: r.error },
      );
    }
    if (r.value.status !== "queued") return;
    this.events.record("queued", k.valueKey);
    await this.invalidator.afterReplace(k, r.value.old, entity);
  }
}
