import type { CommandClient } from "./command-client.js";
import type { EntityDefinition } from "./definition.js";
import { CONSUMER_GROUP } from "./keys.js";
import { runTypedScript } from "./scripts/define-script.js";
import { JOIN_TAG_SETS } from "./scripts/read-scripts.js";
import { ACKNOWLEDGE, FAIL, type Landing } from "./scripts/write-behind-settle-scripts.js";
import { slotGroups } from "./slot-groups.js";
import { queuedKeyOf } from "./stream-entries.js";
import type { KeyGroup } from "./write-behind-batch.js";
import type { KeyOwners } from "./write-behind-key-owners.js";
import { landingAs, landingOf, type LandingParts, type LandingPlan } from "./write-behind-landing.js";
import type { RetrySchedule } from "./write-behind-retry-schedule.js";
import type { WorkerHost } from "./write-behind-worker.js";

/** What settling a batch needs of its worker. */
export interface SettleParts<TEntity, TKey> {
  readonly host: WorkerHost<TEntity, TKey>;
  readonly connection: CommandClient;
  readonly stream: string;
  readonly deadLetters: string;
  readonly consumer: string;
  readonly clustered: boolean;
  readonly retries: RetrySchedule;
  readonly owners: KeyOwners;
  readonly landing: LandingParts<TEntity, TKey>;
}

const MAX_ERROR_TEXT = 2_000;

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_ERROR_TEXT ? `${message.slice(0, MAX_ERROR_TEXT)}…` : message;
}

/** Whether landed values are needed: for what `invalidates` names and for the lists they are members of. */
export function keepsLandedValues(
  definition: Pick<EntityDefinition<unknown, unknown>, "lists"> & { readonly invalidates: readonly unknown[] },
): boolean {
  return definition.invalidates.length > 0 || Object.keys(definition.lists ?? {}).length > 0;
}

/**
 * What follows a batch's source write, in Redis: the writes that reached the source are
 * acknowledged and their values land (expiry, tag sets, index entries, what they invalidate); the
 * ones that failed are scheduled for a retry or moved to the dead-letter stream.
 */
export class BatchSettler<TEntity, TKey> {
  constructor(private readonly parts: SettleParts<TEntity, TKey>) {}

  /**
   * After the source write: what the writes invalidate, then acknowledge and let the values land
   * (expiry) in one script. `superseded` groups were not written (a later write of their key was
   * settled first, see OWN): the cached value is that later write's, whose landing was left to the
   * last entry of the key; it is revoked (the source has it) with its index entries.
   */
  async acknowledge(
    groups: readonly KeyGroup<TEntity, TKey>[],
    kept: ReadonlyMap<KeyGroup<TEntity, TKey>, unknown>,
    superseded: ReadonlySet<KeyGroup<TEntity, TKey>> = new Set(),
  ): Promise<void> {
    const { host, connection, stream, consumer, owners, retries } = this.parts;
    const lifetimes = groups.map((group) => {
      const answer = kept.get(group) as TEntity | undefined;
      const { value, negative } = host.landingTtl(
        answer ?? (group.write.op === "save" ? group.write.entity : undefined),
      );
      return { value, fresh: value?.fresh ?? 0, pttl: value?.pttl ?? 1, negative };
    });
    const landings = groups.map((group, i) =>
      superseded.has(group)
        ? landingAs(group, 1)
        : landingOf(group, kept.get(group), lifetimes[i]!.value, this.parts.landing),
    );
    // Read before the script that may revoke it; when it lands, nothing else changed it (a new write
    // of the key would have kept it pending).
    const cachedIndexes = new Map(
      await Promise.all(groups.filter((group) => superseded.has(group)).map((group) => this.cachedIndexKeys(group))),
    );
    // What these writes invalidate (the entities `invalidates` names, the lists they are members of)
    // goes before the acknowledgement: once a queue is empty (`flush()`, in any process), what its
    // writes owe other entries is done. The source has the writes already; a retry repeats it.
    const answered = keepsLandedValues(host.definition) ? [...kept.values()] : [];
    await host.landed([...groups.flatMap((group) => group.values), ...(answered as TEntity[])]);
    // Tag sets first (other slots): a landed value is never missing from its sets.
    await this.joinTagSets(
      groups.flatMap((group, i) => {
        const landing = landings[i]!;
        const sets = landing.mode === 2 ? landing.keptTags : landing.mode === 0 ? group.tagKeys : [];
        return sets.map((set) => ({ set, member: group.valueKey, ttl: lifetimes[i]!.pttl }));
      }),
    );
    const entries = groups.map((group, i) => {
      const { mode, kept: keptValue } = landings[i]!;
      const { fresh, pttl, negative } = lifetimes[i]!;
      return {
        ...scriptKeysOf(group),
        fresh,
        ttl: pttl,
        negativeTtl: negative,
        mode,
        kept: keptValue,
      };
    });
    const outcomes = await runTypedScript(connection, ACKNOWLEDGE, {
      stream,
      group: CONSUMER_GROUP,
      consumer,
      now: Date.now(),
      entries,
    });
    groups.forEach((group, i) => outcomes[i]?.landed && owners.released(group.ownerKey));
    await this.settleIndexEntries(
      groups,
      landings,
      outcomes,
      lifetimes.map((l) => l.pttl),
      cachedIndexes,
    );
    for (const group of groups) {
      retries.landed(queuedKeyOf(group.written));
      host.events.record(
        "flushed",
        group.valueKey,
        { detail: `${group.ids.length} queued write(s) reached the source` },
        group.ids.length,
      );
    }
  }

  /**
   * Schedules a retry with backoff. A write the source refused moves to the dead-letter stream at
   * maxAttempts; one it could not take because it was unreachable (`isRetryable`) is retried until
   * `retryHorizonMs` after its first such failure, its value kept cached meanwhile.
   */
  async fail(failures: ReadonlyMap<KeyGroup<TEntity, TKey>, unknown>): Promise<void> {
    const { host, connection, stream, deadLetters, consumer, owners, retries } = this.parts;
    const { maxAttempts } = host.settings;
    const groups = [...failures.keys()];
    const now = Date.now();
    const entries = groups.map((group) => {
      const { written, write } = group;
      const limit = retries.attemptLimit(
        queuedKeyOf(written),
        failures.get(group),
        write.op === "unreadable" && write.malformed ? 0 : maxAttempts,
        now,
      );
      return {
        ...scriptKeysOf(group),
        error: errorText(failures.get(group)),
        limit,
      };
    });
    const outcomes = await runTypedScript(connection, FAIL, {
      stream,
      deadLetters,
      group: CONSUMER_GROUP,
      consumer,
      entries,
    });
    const events = host.events;
    await Promise.all(
      groups.flatMap((group, i) =>
        outcomes[i]?.dropIndexes ? group.indexKeys.map((index) => connection.call("DEL", index)) : [],
      ),
    );
    groups.forEach((group, i) => {
      const error = failures.get(group);
      const attempts = outcomes[i]?.attempts ?? -1;
      events.record(
        "write-failed",
        group.valueKey,
        { error, detail: `source write of ${group.ids.length} queued write(s) failed` },
        group.ids.length,
      );
      retries.settled(queuedKeyOf(group.written), group.ids, attempts);
      if (attempts <= 0) owners.released(group.ownerKey);
      if (attempts === 0) {
        events.record("dead-letter", group.valueKey, {
          error,
          detail: `moved to ${deadLetters}: ${errorText(error)}`,
        });
      }
    });
  }

  /** The index entries of the value cached at a group's key (none when it is not a value this deployment reads). */
  private async cachedIndexKeys(group: KeyGroup<TEntity, TKey>): Promise<[KeyGroup<TEntity, TKey>, readonly string[]]> {
    const { landing, connection } = this.parts;
    const enc = group.written.fields.get("key")?.toString("latin1") ?? "";
    const space = landing.spaceOf(group.written.fields.get("ns")?.toString("latin1") ?? "") ?? landing.keys;
    const raw = await connection.callBuffer("GET", group.valueKey).catch(() => null);
    const decoded = Buffer.isBuffer(raw) ? landing.codec.decode(raw, enc) : undefined;
    return [group, decoded?.kind === "value" ? space.indexKeysOfEntity(decoded.entity) : []];
  }

  /** Adds landed values to their tag sets (before the landing; a failure fails the batch, retried). */
  private async joinTagSets(entries: readonly { set: string; member: string; ttl: number }[]): Promise<void> {
    if (!entries.length) return;
    await Promise.all(
      slotGroups(this.parts.clustered, entries, (e) => e.set).map((group) =>
        runTypedScript(this.parts.connection, JOIN_TAG_SETS, { entries: group.map((i) => entries[i]!) }),
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
    landings: readonly LandingPlan[],
    outcomes: readonly Landing[],
    pttls: readonly number[],
    cachedIndexes: ReadonlyMap<KeyGroup<TEntity, TKey>, readonly string[]>,
  ): Promise<void> {
    const { connection } = this.parts;
    const work: Promise<unknown>[] = [];
    groups.forEach((group, i) => {
      const outcome = outcomes[i];
      const pttl = pttls[i]!;
      const { mode, keptIndexes, encodedKey } = landings[i]!;
      if (!outcome?.landed || !outcome.pendingValue) return;
      for (const index of outcome.written ? group.indexKeys : (cachedIndexes.get(group) ?? [])) {
        work.push(mode === 1 ? connection.call("DEL", index) : connection.call("PEXPIRE", index, pttl));
      }
      if (mode === 2) for (const index of keptIndexes) work.push(connection.call("SET", index, encodedKey, "PX", pttl));
    });
    await Promise.all(work);
  }
}

/** What ACKNOWLEDGE and FAIL both take of a key's group: its keys, its entries, the written one and its payload's sha1. */
function scriptKeysOf(group: KeyGroup<unknown, unknown>) {
  return {
    value: group.valueKey,
    lease: group.leaseKey,
    pending: group.pendingKey,
    owner: group.ownerKey,
    settled: group.settledKey,
    ids: group.ids,
    written: group.written.id,
    sha: group.writtenSha,
  };
}
