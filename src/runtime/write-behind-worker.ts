import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Codec } from "./codec.js";
import type { CommandClient } from "./command-client.js";
import type { EntityDefinition, WriteBehindSettings } from "./definition.js";
import { reconnectIfDemoted } from "./demoted-primary.js";
import type { Events } from "./events.js";
import { KeySpace, type KeyPlacement } from "./key-space.js";
import { CONSUMER_GROUP } from "./keys.js";
import { runTypedScript } from "./scripts/define-script.js";
import { LEAVE_GROUP } from "./scripts/write-behind-owner-scripts.js";
import { writeToSource } from "./source-writes.js";
import type { StreamEntry } from "./stream-entries.js";
import type { WorkerOptions, WriteBehindSource, WriteBehindWorker } from "./types.js";
import { coalesce, type KeyGroup } from "./write-behind-batch.js";
import { KeyOwners } from "./write-behind-key-owners.js";
import { QueueReader } from "./write-behind-reader.js";
import { isRetryableSourceError } from "./write-behind-retry.js";
import { RetrySchedule } from "./write-behind-retry-schedule.js";
import { BatchSettler, keepsLandedValues } from "./write-behind-settle.js";

/** What a worker needs of its repository. */
export interface WorkerHost<TEntity, TKey> {
  readonly definition: EntityDefinition<TEntity, TKey>;
  readonly keys: KeySpace<TEntity, TKey>;
  readonly codec: Codec<TEntity>;
  readonly events: Events;
  readonly client: CommandClient;
  readonly source: WriteBehindSource<TEntity, TKey>;
  readonly settings: WriteBehindSettings;
  /** Expiry of a value whose write landed: fresh ms, Redis ttl ms, and ms a tombstone stays (0: dropped). */
  landingTtl(entity: TEntity | undefined): { value: { fresh: number; pttl: number } | undefined; negative: number };
  /** Drops what `invalidates` names and the lists of these values (their write reached the source). Never rejects. */
  landed(values: readonly TEntity[]): Promise<void>;
}

/** One stream a worker drains: a partition, or the layout-1 stream (`onlyIfExists`: never created). */
export interface QueuePlace {
  readonly stream: string;
  readonly deadLetters: string;
  /** Where the keys of the entries read from this stream are (see KeyPlacement). */
  readonly placement: KeyPlacement;
  readonly onlyIfExists: boolean;
}

/**
 * Drains one stream of an entity's write-behind queue (a partition) into its source: reads
 * with a consumer group on a connection of its own, coalesces per key, writes the source in batches,
 * acknowledges after the source write, retries with backoff, takes over entries of dead workers
 * (XAUTOCLAIM) and moves an entry that keeps failing to the dead-letter stream.
 */
export class QueueWorker<TEntity, TKey> implements WriteBehindWorker {
  private readonly connection: CommandClient;
  private readonly consumer: string;
  private readonly pollMs: number;
  private readonly retries: RetrySchedule;
  private readonly spaces = new Map<string, KeySpace<TEntity, TKey> | undefined>();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly stopTimeoutMs: number;
  /** A batch is between its source write and its acknowledgement: stop() lets it finish (within the bound). */
  private writing = false;
  /** Ends the pause after an error at once (stop()). */
  private wake: (() => void) | undefined;
  private readonly owners: KeyOwners;
  private readonly reader: QueueReader;
  private readonly settler: BatchSettler<TEntity, TKey>;
  private readonly running: Promise<void>;

  constructor(
    private readonly host: WorkerHost<TEntity, TKey>,
    options: WorkerOptions = {},
    private readonly place: QueuePlace,
  ) {
    const name = host.definition.name;
    this.consumer = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    const minIdleMs = options.minIdleMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1_000;
    const retryBaseMs = options.retryBaseMs ?? 200;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    const retryHorizonMs = options.retryHorizonMs ?? 15 * 60_000;
    for (const [option, value] of [
      ["minIdleMs", minIdleMs],
      ["pollMs", this.pollMs],
      ["retryBaseMs", retryBaseMs],
      ["stopTimeoutMs", this.stopTimeoutMs],
      ["retryHorizonMs", retryHorizonMs],
    ] as const) {
      if (!(value > 0)) throw new TypeError(`cachegen: ${name} startWorker: ${option} must be > 0 (got ${value})`);
    }
    this.retries = new RetrySchedule({
      baseMs: retryBaseMs,
      maxMs: Math.max(retryBaseMs, Math.floor(minIdleMs / 2)),
      horizonMs: retryHorizonMs,
      isRetryable: options.isRetryable ?? isRetryableSourceError,
    });
    this.connection = host.client.duplicate();
    const connection = this.connection;
    this.owners = new KeyOwners(
      connection,
      { stream: place.stream, consumer: this.consumer, ttlMs: minIdleMs },
      () => this.stopping,
    );
    const { batchSize, flushIntervalMs } = host.settings;
    const shared = {
      connection,
      stream: place.stream,
      consumer: this.consumer,
      retries: this.retries,
      owners: this.owners,
    };
    this.reader = new QueueReader({ ...shared, batchSize, flushIntervalMs, minIdleMs, pollMs: this.pollMs });
    this.settler = new BatchSettler({
      ...shared,
      host,
      deadLetters: place.deadLetters,
      clustered: host.client.isCluster === true,
      landing: {
        definition: host.definition,
        keys: host.keys,
        codec: host.codec,
        events: host.events,
        spaceOf: (ns) => this.spaceOf(ns),
      },
    });
    this.connection.on("error", (error) =>
      host.events.record("redis-error", undefined, { error, detail: "write-behind worker connection" }),
    );
    this.running = this.run();
  }

  stop(): Promise<void> {
    this.stopped ??= this.stopWithin();
    return this.stopped;
  }

  /**
   * Lets the batch in flight finish and the worker leave its group, for `stopTimeoutMs` at most:
   * then (or at once, when no batch is in flight and the connection is down, so waiting could only
   * wait for Redis) the connection is closed and what the worker still holds stays pending for
   * another worker.
   */
  private async stopWithin(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (!this.writing && this.connection.status !== "ready") {
      // Not awaited: ioredis does not reject what its offline queue holds when closed while reconnecting.
      this.connection.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), this.stopTimeoutMs);
    });
    const outcome = await Promise.race([this.running.then(() => false as const), timedOut]);
    clearTimeout(timer);
    if (outcome) this.connection.disconnect();
  }

  private async run(): Promise<void> {
    if (this.place.onlyIfExists && !(await this.reader.streamExists())) {
      this.owners.stop();
      this.connection.disconnect();
      return;
    }
    while (!this.stopping) {
      try {
        const batch = await this.reader.next();
        if (batch.length) await this.process(batch);
      } catch (error) {
        this.reader.recover(error);
        reconnectIfDemoted(this.connection, error);
        if (!this.stopping) {
          this.host.events.record("redis-error", undefined, { error, detail: "write-behind worker" });
          await this.pause(this.pollMs);
        }
      }
    }
    await this.leave();
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async process(entries: readonly StreamEntry[]): Promise<void> {
    const all = coalesce(entries, {
      current: this.spaceOf(this.host.definition.namespace) ?? this.host.keys,
      spaceOf: (ns) => this.spaceOf(ns),
      codec: this.host.codec,
      keepValues: keepsLandedValues(this.host.definition),
    });
    const { writes, superseded } = await this.own(all);
    this.reader.abandoned.clear();
    if (!writes.length && !superseded.length) return;
    this.writing = true;
    try {
      const { failures, kept } = await writeToSource(this.host.source, writes);
      const landed = [...superseded, ...writes.filter((group) => !failures.has(group))];
      if (landed.length) await this.settler.acknowledge(landed, kept, new Set(superseded));
      if (failures.size) await this.settler.fail(failures);
    } finally {
      this.writing = false;
    }
  }

  /**
   * The groups of keys this worker writes now: those it owns (see OWN); the entries of keys another
   * live worker owns are handed to it; `superseded`: owned, but a later write of the key was settled
   * first (read by another worker while this one had not yet taken the key), acknowledged unwritten.
   */
  private async own(
    groups: readonly KeyGroup<TEntity, TKey>[],
  ): Promise<{ writes: KeyGroup<TEntity, TKey>[]; superseded: KeyGroup<TEntity, TKey>[] }> {
    const ownable = groups.filter((group) => group.write.op !== "unreadable");
    const writes = groups.filter((group) => group.write.op === "unreadable");
    const superseded: KeyGroup<TEntity, TKey>[] = [];
    if (!ownable.length) return { writes, superseded };
    const ownership = await this.owners.own(ownable, this.reader.abandoned);
    ownable.forEach((group, i) => {
      if (ownership[i] === "owned") writes.push(group);
      else if (ownership[i] === "superseded") superseded.push(group);
      else this.retries.forget(group.ids);
    });
    return { writes, superseded };
  }

  /** The keys of entries queued under namespace `ns` in this stream (placed as the stream's entries are). */
  private spaceOf(ns: string): KeySpace<TEntity, TKey> | undefined {
    if (!this.spaces.has(ns)) {
      let space: KeySpace<TEntity, TKey> | undefined;
      try {
        space = new KeySpace(
          { ...this.host.definition, namespace: ns },
          this.host.keys.prefix,
          this.host.keys.maxKeyLength,
          this.place.placement,
        );
      } catch {
        space = undefined;
      }
      this.spaces.set(ns, space);
    }
    return this.spaces.get(ns);
  }

  /** Leaves the group when holding nothing, and closes the connection. */
  private async leave(): Promise<void> {
    this.owners.stop();
    if (this.connection.status === "end") return;
    try {
      await runTypedScript(this.connection, LEAVE_GROUP, {
        stream: this.place.stream,
        group: CONSUMER_GROUP,
        consumer: this.consumer,
      });
    } catch {
      // The consumer stays listed in the group; harmless.
    }
    try {
      await this.connection.quit();
    } catch {
      this.connection.disconnect();
    }
  }
}
