import type { Coalescer } from "./coalescer.js";
import { InvalidKeyError } from "./errors.js";
import type { Invalidator } from "./invalidator.js";
import type { ResolvedKey } from "./key-space.js";
import { whileRenewing } from "./lease-renewal.js";
import { newToken } from "./leases.js";
import type { ReadPath } from "./read-path.js";
import type { EntityParts } from "./repository-parts.js";
import { sleep } from "./sleep.js";

/** What a list key holds: its members' encoded keys after MEMBERS, or a fill's lease after LEASE. */
const MEMBERS = "M|";
const LEASE = "L|";
/** Waiting for another process's fill of a list: first poll delay and backoff cap. */
const FIRST_POLL_MS = 8;
const MAX_POLL_MS = 100;

export interface ListReadParts<TEntity, TKey> extends EntityParts<TEntity, TKey> {
  readonly reads: ReadPath<TEntity, TKey>;
  readonly invalidator: Invalidator<TEntity, TKey>;
  /** List reads in flight in this process, by list key. */
  readonly inFlight: Coalescer<TEntity[]>;
  /** The value of a write of `k` still queued (null: a delete), undefined when none is (write-behind only). */
  readonly queuedValue: ((k: ResolvedKey<TKey>) => Promise<TEntity | null | undefined>) | undefined;
  readonly leaseTtlMs: number;
}

/**
 * `listBy<List>`: a list key holds its members' keys; their values are their own entries, read in
 * one batch (`getMany`: MGET, misses through the leases, filled). A member that is gone or whose
 * list fields no longer match makes the list stale: it is dropped and loaded again, so such a
 * member is never returned. A missing list is loaded with the source's list loader under a lease
 * held in the list key itself: every write of a member deletes the list keys of its old and new
 * values, so a fill racing such a write is rejected. A list longer than `maxItems` is not cached.
 */
export class ListReads<TEntity, TKey> {
  constructor(private readonly parts: ListReadParts<TEntity, TKey>) {}

  get(list: string, values: readonly unknown[]): Promise<TEntity[]> {
    const { definition, keys, source, inFlight, events } = this.parts;
    if (!definition.lists?.[list])
      return Promise.reject(new InvalidKeyError(`${definition.name}: unknown list "${list}"`));
    let listKey: string;
    let load: (values: readonly unknown[]) => Promise<TEntity[]>;
    try {
      listKey = keys.listKey(list, values);
      load = source.listLoader(list, listKey);
    } catch (error) {
      return Promise.reject(error);
    }
    const { promise, joined } = inFlight.run(listKey, () => this.read(list, listKey, () => load(values)));
    if (joined) events.record("coalesced", listKey);
    return promise;
  }

  private async read(list: string, listKey: string, load: () => Promise<TEntity[]>): Promise<TEntity[]> {
    const { redis, invalidator, events } = this.parts;
    if (invalidator.isPending(listKey)) {
      // a drop of this list waits for a retry: Redis may hold an older membership
      invalidator.retryPending();
      events.record("miss", listKey);
      return this.fromSource(list, listKey, load);
    }
    const lease = LEASE + newToken();
    const r = await redis.readList(listKey, lease);
    if (!r.ok) {
      events.record("miss", listKey);
      return this.fromSource(list, listKey, load);
    }
    if (r.value === null) {
      events.record("miss", listKey);
      return this.loadAndFill(list, listKey, lease, load);
    }
    if (r.value.startsWith(MEMBERS)) {
      const members = await this.members(list, listKey, r.value);
      if (members) {
        events.record("hit", listKey);
        return members;
      }
      events.record("miss", listKey);
      await redis.dropListIfSame(listKey, r.value);
      return this.afterStale(list, listKey, load);
    }
    if (!r.value.startsWith(LEASE)) {
      // not a list this runtime wrote (the cache is untrusted input): drop it unless it changed
      events.record("invalid-value", listKey, { detail: "not a cached list; dropped" });
      events.record("miss", listKey);
      await redis.dropListIfSame(listKey, r.value);
      return this.afterStale(list, listKey, load);
    }
    return this.waitForFill(list, listKey, load);
  }

  /** The members of a cached list, in its order; undefined when it is stale (a member gone or no longer matching). */
  private async members(list: string, listKey: string, stored: string): Promise<TEntity[] | undefined> {
    const { keys, reads, definition } = this.parts;
    const text = stored.slice(MEMBERS.length);
    if (text === "") return [];
    const encs = text.split(" ");
    if (encs.length > definition.lists![list]!.maxItems) return undefined; // cached under a larger maxItems
    let ks: ResolvedKey<TKey>[];
    try {
      ks = encs.map((enc) => keys.parse(enc));
    } catch {
      return undefined; // not a list this deployment wrote
    }
    const values = await reads.getMany(ks.map((k) => k.key));
    const members: TEntity[] = [];
    for (const value of values) {
      if (value === null || keys.listKeyOfEntity(list, value) !== listKey) return undefined;
      members.push(value);
    }
    return members;
  }

  /** After a stale list was dropped: load it again under a new lease, or from the source when someone else got there first. */
  private async afterStale(list: string, listKey: string, load: () => Promise<TEntity[]>): Promise<TEntity[]> {
    const lease = LEASE + newToken();
    const r = await this.parts.redis.readList(listKey, lease);
    if (r.ok && r.value === null) return this.loadAndFill(list, listKey, lease, load);
    return this.fromSource(list, listKey, load);
  }

  /**
   * Another reader holds the list's lease: polls for its fill with backoff, for up to twice the
   * lease TTL (as a value's waiter does); each poll takes the lease when it is gone (the holder
   * died or gave it back). Then loads from the source without caching.
   */
  private async waitForFill(list: string, listKey: string, load: () => Promise<TEntity[]>): Promise<TEntity[]> {
    const { redis, events, leaseTtlMs } = this.parts;
    events.record("lease-wait", listKey);
    const deadline = Date.now() + 2 * leaseTtlMs;
    let delay = FIRST_POLL_MS;
    while (Date.now() < deadline) {
      await sleep(delay, true);
      delay = Math.min(delay * 2, MAX_POLL_MS);
      const lease = LEASE + newToken();
      const r = await redis.readList(listKey, lease);
      if (!r.ok) break;
      if (r.value === null) return this.loadAndFill(list, listKey, lease, load);
      if (r.value.startsWith(MEMBERS)) {
        const members = await this.members(list, listKey, r.value);
        if (members) return members;
        break;
      }
    }
    return this.fromSource(list, listKey, load);
  }

  /** Loads the list holding its lease (renewed meanwhile) and caches its members' keys while the lease holds (not when over maxItems). */
  private async loadAndFill(
    list: string,
    listKey: string,
    lease: string,
    load: () => Promise<TEntity[]>,
  ): Promise<TEntity[]> {
    const { redis, keys, ttl, events, definition, leaseTtlMs } = this.parts;
    let rows: TEntity[];
    try {
      rows = await whileRenewing(
        leaseTtlMs,
        () => void redis.renewListLease(listKey, lease),
        () => this.fromSource(list, listKey, load),
      );
    } catch (error) {
      await redis.dropListIfSame(listKey, lease);
      throw error;
    }
    const { maxItems } = definition.lists![list]!;
    if (rows.length > maxItems) {
      events.record("list-too-large", listKey, {
        detail: `${rows.length} members, more than maxItems (${maxItems}): served from the source, not cached`,
      });
      await redis.dropListIfSame(listKey, lease);
      return rows;
    }
    const members = MEMBERS + rows.map((row) => keys.encOfEntity(row)).join(" ");
    const filled = await redis.fillList(listKey, lease, members, ttl.value().pttl);
    if (filled.ok && !filled.value)
      events.record("fill-rejected", listKey, { detail: "list lease revoked by a write of a member" });
    else if (!filled.ok) await redis.dropListIfSame(listKey, lease);
    return rows;
  }

  /**
   * The list as the source has it: rows whose list fields do not match and repeated keys dropped;
   * a member with a write still queued (write-behind) as that write has it.
   */
  private async fromSource(list: string, listKey: string, load: () => Promise<TEntity[]>): Promise<TEntity[]> {
    const { keys, queuedValue, events } = this.parts;
    const rows = await load();
    const seen = new Set<string>();
    const out: TEntity[] = [];
    for (const row of rows) {
      const enc = keys.encOfEntity(row);
      if (enc === undefined || seen.has(enc)) continue;
      seen.add(enc);
      if (keys.listKeyOfEntity(list, row) !== listKey) {
        events.record("invalid-value", keys.valueKeyOfEnc(enc), {
          detail: `source.${this.parts.definition.lists![list]!.load} returned a row that is not in the list asked; dropped`,
        });
        continue;
      }
      out.push(row);
    }
    if (!queuedValue) return out;
    const queued = await Promise.all(out.map((row) => queuedValue(keys.fromEntity(row))));
    return out.flatMap((row, i) => {
      const pending = queued[i];
      if (pending === undefined) return [row];
      return pending !== null && keys.listKeyOfEntity(list, pending) === listKey ? [pending] : [];
    });
  }
}
