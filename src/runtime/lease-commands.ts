import type { KeySpace, ResolvedKey } from "./key-space.js";
import type { LookupCommands } from "./lookup-commands.js";
import type { GuardResult } from "./redis-guard.js";
import { ACQUIRE, FILL, RELEASE, RENEW_LEASES, type LeaseMode, type LeaseOutcome } from "./scripts/read-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";
import type { StoredValue } from "./stored-value.js";

/** A value loaded under a lease, ready to fill: `stored` "" deletes the value (not-found, not remembered). */
export interface FillEntry<TEntity, TKey> {
  readonly k: ResolvedKey<TKey>;
  readonly token: string;
  readonly stored: StoredValue;
  readonly pttl: number;
  /** The value, for its index entries and tag sets (undefined for a not-found). */
  readonly entity: TEntity | undefined;
}

/**
 * Leases of values: asked for before a load from the source (a tag epoch bump or an invalidation
 * revokes them), filled with what was loaded while they still hold, given back.
 */
export class LeaseCommands<TEntity, TKey> {
  constructor(
    private readonly keys: KeySpace<TEntity, TKey>,
    private readonly scripts: SlotScripts,
    private readonly lookups: LookupCommands<TEntity, TKey>,
    private readonly leaseTtlMs: number,
  ) {}

  /** Asks for the leases of `ks` under `tokens` (one per key). */
  acquire(
    ks: readonly ResolvedKey<TKey>[],
    tokens: readonly string[],
    mode: LeaseMode,
  ): Promise<GuardResult<LeaseOutcome[]>> {
    const entries = ks.map((k, i) => ({
      value: k.valueKey,
      lease: k.leaseKey,
      epoch: this.keys.epochKeyOf(k.bucket),
      token: tokens[i]!,
    }));
    return this.scripts.runPerEntry(
      "acquire",
      ACQUIRE,
      entries,
      (e) => e.value,
      (group) => ({
        leaseTtlMs: this.leaseTtlMs,
        mode,
        entries: group,
      }),
    );
  }

  /**
   * Writes values loaded under leases; answers per entry whether its lease still held (else nothing
   * was written). Tag sets are joined first (a failure there fills nothing: a value missing from its
   * tag set could outlive an invalidateTag), index entries written after the values that were filled.
   */
  async fill(entries: readonly FillEntry<TEntity, TKey>[]): Promise<GuardResult<boolean[]>> {
    const joined = await this.lookups.joinTagSets(
      entries.flatMap(({ k, entity, pttl }) =>
        entity === undefined
          ? []
          : this.keys.tagKeysOfEntity(entity).map((set) => ({ set, member: k.valueKey, ttl: pttl })),
      ),
    );
    if (!joined.ok) return joined;
    const r = await this.scripts.runPerEntry(
      "fill",
      FILL,
      entries.map(({ k, token, stored, pttl }) => ({
        value: k.valueKey,
        lease: k.leaseKey,
        epoch: this.keys.epochKeyOf(k.bucket),
        token,
        payload: stored,
        pttl,
      })),
      (e) => e.value,
      (group) => ({ entries: group }),
    );
    if (r.ok) {
      const pointers = entries.flatMap(({ k, entity, pttl }, i) =>
        r.value[i] && entity !== undefined
          ? this.keys.indexKeysOfEntity(entity).map((index) => this.lookups.writeIndexPointer(index, k.enc, pttl))
          : [],
      );
      await Promise.all(pointers);
    }
    return r;
  }

  /** Extends the leases these tokens still hold (one per key) to the lease TTL from now. */
  renew(ks: readonly ResolvedKey<TKey>[], tokens: readonly string[]): Promise<GuardResult<boolean[]>> {
    return this.scripts.runPerEntry(
      "renew-leases",
      RENEW_LEASES,
      ks.map((k, i) => ({ lease: k.leaseKey, token: tokens[i]! })),
      (e) => e.lease,
      (group) => ({ leaseTtlMs: this.leaseTtlMs, entries: group }),
    );
  }

  /** Gives up a lease this token still holds. */
  release(k: ResolvedKey<TKey>, token: string): Promise<GuardResult<boolean>> {
    return this.scripts.run("release", RELEASE, { lease: k.leaseKey, token });
  }
}
