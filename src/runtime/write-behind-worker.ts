import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Codec } from "./codec.js";
import type { EntityDefinition, WriteBehindSettings } from "./definition.js";
import { reconnectIfDemoted } from "./demoted-primary.js";
import { KeySpace, type KeyPlacement } from "./key-space.js";
import { CONSUMER_GROUP } from "./keys.js";
import type { CommandClient } from "./command-client.js";
import { runTypedScript } from "./scripts/define-script.js";
import { writeToSource } from "./source-writes.js";
import type { Events } from "./events.js";
import { entriesOfList, entriesOfRead, type StreamEntry } from "./stream-entries.js";
import type { WorkerOptions, WriteBehindSource, WriteBehindWorker } from "./types.js";
import { coalesce, type KeyGroup } from "./write-behind-batch.js";
import { ACKNOWLEDGE, FAIL, LEAVE_GROUP, type Landing } from "./scripts/write-behind-scripts.js";
import { JOIN_TAG_SETS } from "./scripts/read-scripts.js";
import { slotGroups } from "./slot-groups.js";
import { isRetryableSourceError } from "./write-behind-retry.js";
import { KeyOwners } from "./write-behind-key-owners.js";
import { landingOf, type LandingParts } from "./write-behind-landing.js";
import { RetrySchedule } from "./write-behind-retry-schedule.js";

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

const MAX_ERROR_TEXT = 2_000;

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_ERROR_TEXT ? `${message.slice(0, MAX_ERROR_TEXT)}…` : message;
}

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOGROUP");
}

function groupKeyOf(entry: StreamEntry): string {
  return `${entry.fields.get("ns")?.toString("latin1")}\u0000${entry.fields.get("key")?.toString("latin1")}`;
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
  private readonly minIdleMs: number;
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
  private needsGroup = true;
  /** Re-read the entries this consumer holds: at start (a restart under the same name) and after an error. */
  private recoverOwn = true;
  private readonly owners: KeyOwners;
  private readonly landingParts: LandingParts<TEntity, TKey>;
  /** Ids of the batch being read that were taken over from a dead worker (XAUTOCLAIM). */
  private readonly abandoned = new Set<string>();
  private claimCursor = "0-0";
  private nextClaimAt = 0;
  private readonly running: Promise<void>;
  private readonly clustered: boolean;

  constructor(
    private readonly host: WorkerHost<TEntity, TKey>,
    options: WorkerOptions = {},
    private readonly place: QueuePlace,
  ) {
    const name = host.definition.name;
    this.consumer = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.minIdleMs = options.minIdleMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1_000;
    const retryBaseMs = options.retryBaseMs ?? 200;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    const retryHorizonMs = options.retryHorizonMs ?? 15 * 60_000;
    for (const [option, value] of [
      ["minIdleMs", this.minIdleMs],
      ["pollMs", this.pollMs],
      ["retryBaseMs", retryBaseMs],
      ["stopTimeoutMs", this.stopTimeoutMs],
      ["retryHorizonMs", retryHorizonMs],
    ] as const) {
      if (!(value > 0)) throw new TypeError(`cachegen: ${name} startWorker: ${option} must be > 0 (got ${value})`);
    }
    this.retries = new RetrySchedule({
      baseMs: retryBaseMs,
      maxMs: Math.max(retryBaseMs, Math.floor(this.minIdleMs / 2)),
      horizonMs: retryHorizonMs,
      isRetryable: options.isRetryable ?? isRetryableSourceError,
    });
    this.connection = host.client.duplicate();
    this.clustered = host.client.isCluster === true;
    this.landingParts = {
      definition: host.definition,
      keys: host.keys,
      codec: host.codec,
      events: host.events,
      spaceOf: (ns) => this.spaceOf(ns),
    };
    this.owners = new KeyOwners(
      this.connection,
      { stream: place.stream, consumer: this.consumer, ttlMs: this.minIdleMs },
      () => this.stopping,
    );
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
    if (this.place.onlyIfExists && !(await this.streamExists())) {
      this.owners.stop();
      this.connection.disconnect();
      return;
    }
    while (!this.stopping) {
      try {
        const batch = await this.nextBatch();
        if (batch.length) await this.process(batch);
      } catch (error) {
        if (isNoGroup(error)) this.needsGroup = true;
        reconnectIfDemoted(this.connection, error);
        this.recoverOwn = true;
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

  // ------------------------------------------------------------------------------------ reading

  private get stream(): string {
    return this.place.stream;
  }

  /** Whether the stream is there (a layout-1 stream is drained, never created); false when Redis cannot tell. */
  private async streamExists(): Promise<boolean> {
    try {
      return Number(await this.connection.call("EXISTS", this.stream)) === 1;
    } catch {
      return false;
    }
  }

  private async nextBatch(): Promise<StreamEntry[]> {
    const { batchSize } = this.host.settings;
    const found = new Map<string, StreamEntry>();
    const add = (entries: readonly StreamEntry[]): void => entries.forEach((entry) => found.set(entry.id, entry));
    if (this.needsGroup) await this.joinGroup();
    if (this.recoverOwn) {
      const own = entriesOfRead(
        await this.connection.callBuffer(
          "XREADGROUP",
          "GROUP",
          CONSUMER_GROUP,
          this.consumer,
          "COUNT",
          batchSize,
          "STREAMS",
          this.stream,
          "0",
        ),
      );
      this.recoverOwn = own.length >= batchSize;
      add(own);
    } else if (this.owners.holdsAny) add(await this.handedOver(batchSize));
    if (Date.now() >= this.nextClaimAt) {
      const claimed = await this.claimAbandoned();
      for (const entry of claimed) this.abandoned.add(entry.id);
      add(claimed);
    }
    const now = Date.now();
    const due = this.retries.anyDue(now);
    const block = found.size || due ? [] : ["BLOCK", this.blockMs(now)];
    add(
      entriesOfRead(
        await this.connection.callBuffer(
          "XREADGROUP",
          "GROUP",
          CONSUMER_GROUP,
          this.consumer,
          "COUNT",
          batchSize,
          ...block,
          "STREAMS",
          this.stream,
          ">",
        ),
      ),
    );

    // Failed entries go again when due, and at once with a newer entry of their key (the newest wins).
    const keysInBatch = new Set([...found.values()].map(groupKeyOf));
    const again = this.retries.takeDue(Date.now(), keysInBatch);
    if (again.length)
      add(
        entriesOfList(
          await this.connection.callBuffer("XCLAIM", this.stream, CONSUMER_GROUP, this.consumer, 0, ...again),
        ),
      );
    return [...found.values()];
  }

  private async joinGroup(): Promise<void> {
    try {
      await this.connection.call("XGROUP", "CREATE", this.stream, CONSUMER_GROUP, "0", "MKSTREAM");
    } catch (error) {
      // At maxmemory Redis refuses XGROUP CREATE even when the group exists (saves create it with the
      // stream): read anyway; NOGROUP brings the worker back here.
      if (!(error instanceof Error && /^(BUSYGROUP|OOM)/.test(error.message))) throw error;
    }
    this.needsGroup = false;
  }

  /**
   * Entries another worker handed this one (of keys it owns, see OWN): pending to this consumer but
   * neither in flight nor waiting for a retry. Read with XPENDING and XRANGE, which leave their
   * delivery counts (attempts) as they are.
   */
  private async handedOver(count: number): Promise<StreamEntry[]> {
    const pending = await this.connection.call("XPENDING", this.stream, CONSUMER_GROUP, "-", "+", count, this.consumer);
    const ids = (Array.isArray(pending) ? pending : [])
      .map((item) => (Array.isArray(item) ? String(item[0]) : ""))
      .filter((id) => id !== "" && !this.retries.has(id));
    const found = await Promise.all(
      ids.map(async (id) => entriesOfList(await this.connection.callBuffer("XRANGE", this.stream, id, id))),
    );
    return found.flat();
  }

  /** Entries another consumer has held longer than minIdleMs: its worker died or hangs. */
  private async claimAbandoned(): Promise<StreamEntry[]> {
    const reply = await this.connection.callBuffer(
      "XAUTOCLAIM",
      this.stream,
      CONSUMER_GROUP,
      this.consumer,
      this.minIdleMs,
      this.claimCursor,
      "COUNT",
      this.host.settings.batchSize,
    );
    const [next, list] = Array.isArray(reply) ? reply : [];
    this.claimCursor = next === undefined ? "0-0" : Buffer.isBuffer(next) ? next.toString("latin1") : String(next);
    // A full page: claim the rest at once; else look again after a poll.
    this.nextClaimAt = this.claimCursor === "0-0" ? Date.now() + this.pollMs : 0;
    return entriesOfList(list);
  }

  private blockMs(now: number): number {
    const until = Math.min(now + this.host.settings.flushIntervalMs, this.nextClaimAt);
    return Math.max(1, this.retries.nextDueBefore(until) - now);
  }

  // ------------------------------------------------------------------------------------ writing

  private async process(entries: readonly StreamEntry[]): Promise<void> {
    const all = coalesce(entries, {
      current: this.spaceOf(this.host.definition.namespace) ?? this.host.keys,
      spaceOf: (ns) => this.spaceOf(ns),
      codec: this.host.codec,
      keepValues: this.keepsValues(),
    });
    const groups = await this.own(all);
    this.abandoned.clear();
    if (!groups.length) return;
    this.writing = true;
    try {
      const { failures, kept } = await writeToSource(this.host.source, groups);
      const landed = groups.filter((group) => !failures.has(group));
      if (landed.length) await this.acknowledge(landed, kept);
      if (failures.size) await this.settleFailures(failures);
    } finally {
      this.writing = false;
    }
  }

  /**
   * The groups of keys this worker may write now: those it owns (see OWN); the entries of keys
   * another live worker owns are handed to it.
   */
  private async own(groups: readonly KeyGroup<TEntity, TKey>[]): Promise<KeyGroup<TEntity, TKey>[]> {
    const ownable = groups.filter((group) => group.write.op !== "unreadable");
    if (!ownable.length) return [...groups];
    const handed = await this.owners.own(ownable, this.abandoned);
    for (const group of handed) this.retries.forget(group.ids);
    return groups.filter((group) => !handed.has(group));
  }

  /** After the source write: acknowledge, then let the values land (expiry) in one script. */
  private async acknowledge(
    groups: readonly KeyGroup<TEntity, TKey>[],
    kept: ReadonlyMap<KeyGroup<TEntity, TKey>, unknown>,
  ): Promise<void> {
    const lifetimes = groups.map((group) => {
      const answer = kept.get(group) as TEntity | undefined;
      const { value, negative } = this.host.landingTtl(
        answer ?? (group.write.op === "save" ? group.write.entity : undefined),
      );
      return { value, fresh: value?.fresh ?? 0, pttl: value?.pttl ?? 1, negative };
    });
    const landings = groups.map((group, i) =>
      landingOf(group, kept.get(group), lifetimes[i]!.value, this.landingParts),
    );
    // Tag sets first (other slots): a landed value is never missing from its sets.
    await this.joinTagSets(
      groups.flatMap((group, i) => {
        const landing = landings[i]!;
        const sets = landing.mode === 2 ? landing.keptTags : landing.mode === 0 ? group.tagKeys : [];
        return sets.map((set) => ({ set, member: group.valueKey, ttl: lifetimes[i]!.pttl }));
      }),
    );
    const entries = groups.map((group, i) => {
      const { valueKey, leaseKey, pendingKey, ownerKey, ids, writtenSha } = group;
      const { mode, kept: keptValue } = landings[i]!;
      const { fresh, pttl, negative } = lifetimes[i]!;
      return {
        value: valueKey,
        lease: leaseKey,
        pending: pendingKey,
        owner: ownerKey,
        ids,
        sha: writtenSha,
        fresh,
        ttl: pttl,
        negativeTtl: negative,
        mode,
        kept: keptValue,
      };
    });
    const outcomes = await runTypedScript(this.connection, ACKNOWLEDGE, {
      stream: this.stream,
      group: CONSUMER_GROUP,
      consumer: this.consumer,
      now: Date.now(),
      entries,
    });
    groups.forEach((group, i) => outcomes[i]?.landed && this.owners.released(group.ownerKey));
    await this.settleIndexEntries(
      groups,
      landings,
      outcomes,
      lifetimes.map((l) => l.pttl),
    );
    for (const group of groups) {
      this.retries.landed(groupKeyOf(group.written));
      this.host.events.record(
        "flushed",
        group.valueKey,
        { detail: `${group.ids.length} queued write(s) reached the source` },
        group.ids.length,
      );
    }
    const answered = this.keepsValues() ? [...kept.values()] : [];
    await this.host.landed([...groups.flatMap((group) => group.values), ...(answered as TEntity[])]);
  }

  /** Whether landed values are needed: for what `invalidates` names and for the lists they are members of. */
  private keepsValues(): boolean {
    const { definition } = this.host;
    return definition.invalidates.length > 0 || Object.keys(definition.lists ?? {}).length > 0;
  }

  /** Adds landed values to their tag sets (before the landing; a failure fails the batch, retried). */
  private async joinTagSets(entries: readonly { set: string; member: string; ttl: number }[]): Promise<void> {
    if (entries.length)
      await Promise.all(
        slotChunks(entries, this.clustered, (e) => e.set).map((group) =>
          runTypedScript(this.connection, JOIN_TAG_SETS, { entries: group }),
        ),
      );
  }

  /**
   * After the landing: the index entries of the value this worker wrote get the value's expiry (or
   * are deleted with a revoked value), those of the row the source answered point at the key.
   * A pointer is checked against its value on read, so a crash before this leaves nothing stale.
   */
  private async settleIndexEntries(
    groups: readonly KeyGroup<TEntity, TKey>[],
    landings: readonly { mode: number; keptIndexes: string[]; encodedKey: string }[],
    outcomes: readonly Landing[],
    pttls: readonly number[],
  ): Promise<void> {
    const work: Promise<unknown>[] = [];
    groups.forEach((group, i) => {
      const outcome = outcomes[i];
      const pttl = pttls[i]!;
      const { mode, keptIndexes, encodedKey } = landings[i]!;
      if (!outcome?.landed || !outcome.pendingValue) return;
      for (const index of outcome.written ? group.indexKeys : []) {
        work.push(mode === 1 ? this.connection.call("DEL", index) : this.connection.call("PEXPIRE", index, pttl));
      }
      if (mode === 2)
        for (const index of keptIndexes) work.push(this.connection.call("SET", index, encodedKey, "PX", pttl));
    });
    await Promise.all(work);
  }

  /**
   * Schedules a retry with backoff. A write the source refused moves to the dead-letter stream at
   * maxAttempts; one it could not take because it was unreachable (`isRetryable`) is retried until
   * `retryHorizonMs` after its first such failure, its value kept cached meanwhile.
   */
  private async settleFailures(failures: ReadonlyMap<KeyGroup<TEntity, TKey>, unknown>): Promise<void> {
    const { maxAttempts } = this.host.settings;
    const groups = [...failures.keys()];
    const now = Date.now();
    const entries = groups.map((group) => {
      const { valueKey, leaseKey, pendingKey, ownerKey, ids, written, writtenSha, write } = group;
      const groupKey = groupKeyOf(written);
      const limit = this.retries.attemptLimit(
        groupKey,
        failures.get(group),
        write.op === "unreadable" && write.malformed ? 0 : maxAttempts,
        now,
      );
      return {
        value: valueKey,
        lease: leaseKey,
        pending: pendingKey,
        owner: ownerKey,
        ids,
        written: written.id,
        sha: writtenSha,
        error: errorText(failures.get(group)),
        limit,
      };
    });
    const outcomes = await runTypedScript(this.connection, FAIL, {
      stream: this.stream,
      deadLetters: this.place.deadLetters,
      group: CONSUMER_GROUP,
      consumer: this.consumer,
      entries,
    });
    const events = this.host.events;
    await Promise.all(
      groups.flatMap((group, i) =>
        outcomes[i]?.dropIndexes ? group.indexKeys.map((index) => this.connection.call("DEL", index)) : [],
      ),
    );
    groups.forEach((group, i) => {
      const error = failures.get(group);
      const attempts = outcomes[i]?.attempts ?? -1;
      const groupKey = groupKeyOf(group.written);
      events.record(
        "write-failed",
        group.valueKey,
        { error, detail: `source write of ${group.ids.length} queued write(s) failed` },
        group.ids.length,
      );
      this.retries.settled(groupKey, group.ids, attempts);
      if (attempts <= 0) this.owners.released(group.ownerKey);
      if (attempts === 0) {
        events.record("dead-letter", group.valueKey, {
          error,
          detail: `moved to ${this.place.deadLetters}: ${errorText(error)}`,
        });
      }
    });
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
        stream: this.stream,
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

/** `items` split per slot on a Cluster (one chunk on a standalone client). */
function slotChunks<T>(items: readonly T[], clustered: boolean, keyOf: (item: T) => string): T[][] {
  return slotGroups(clustered, items, keyOf).map((group) => group.map((i) => items[i]!));
}
