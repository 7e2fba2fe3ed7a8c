import type { EntityDefinition } from "./definition.js";
import { Repository, writeStrategyOf } from "./repository.js";
import type { RepositoryOptions, WorkerOptions, WriteBehindSource, WriteBehindWorker } from "./types.js";
import type { WriteBehind } from "./write-behind.js";

/**
 * A repository of a write-behind entity: `save` and `delete` write the value (or a tombstone) and a
 * durable queue entry to Redis together and resolve once both are there; a worker (`startWorker`,
 * in this process or another) writes them to the source later, at least once, in order per key.
 * A value whose write is still queued is never expired, replaced by a source load, or invalidated.
 */
export class WriteBehindRepository<
  TEntity,
  TKey,
  TSource extends WriteBehindSource<TEntity, TKey>,
  TTag = never,
> extends Repository<TEntity, TKey, TSource, TTag> {
  private readonly queue: WriteBehind<TEntity, TKey>;
  /** Workers started here and not stopped: `close()` stops them. */
  private readonly workers = new Set<WriteBehindWorker>();

  constructor(definition: EntityDefinition<TEntity, TKey>, options: RepositoryOptions<TSource>) {
    super(definition, options);
    if (definition.strategy !== "write-behind") {
      throw new TypeError(
        `cachegen: ${definition.name} has strategy ${definition.strategy}; WriteBehindRepository is for write-behind entities (use Repository)`,
      );
    }
    this.queue = writeStrategyOf(this) as WriteBehind<TEntity, TKey>;
  }

  /**
   * Starts a worker that writes queued saves and deletes to the source (any number of workers may
   * run, in any process; a dead worker's entries are taken over). Stop it with `stop()`.
   */
  startWorker(options?: WorkerOptions): WriteBehindWorker {
    const worker = this.queue.startWorker(options);
    const started: WriteBehindWorker = {
      stop: async () => {
        this.workers.delete(started);
        await worker.stop();
      },
    };
    this.workers.add(started);
    return started;
  }

  /** Stops the workers started here (each finishes its batch in flight), then closes as every repository does. */
  override async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    await super.close();
  }

  /**
   * Resolves when this entity's queue is empty (every queued write reached the source).
   * @param timeoutMs rejects after this long (default 30 s), saying how many writes are left.
   */
  flush(timeoutMs?: number): Promise<void> {
    return this.queue.flush(timeoutMs);
  }

  /**
   * Puts the oldest dead letters (writes the source refused, or could not take within the worker's
   * `retryHorizonMs`) back in the queue, as the newest write of their key (unless a newer version of
   * it is cached), for a worker to write again. Fix what made the source refuse them first.
   * @param options.limit at most this many (default 1000).
   * @returns how many dead letters were taken from the dead-letter stream.
   * @throws CacheUnavailableError (as a rejection) when Redis cannot be asked.
   */
  replayDeadLetters(options?: { limit?: number }): Promise<number> {
    return this.queue.replayDeadLetters(options);
  }

  /**
   * Queue entries not yet written to the source (queued or in flight).
   * @throws CacheUnavailableError (as a rejection) when Redis cannot be asked.
   */
  pending(): Promise<number> {
    return this.queue.pending();
  }
}
