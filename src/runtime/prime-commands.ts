import type { KeySpace, ResolvedKey } from "./key-space.js";
import type { LookupCommands } from "./lookup-commands.js";
import type { GuardResult } from "./redis-guard.js";
import { PRIME, type PrimeOutcome } from "./scripts/prime-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";
import type { StoredValue } from "./stored-value.js";

/** Warm-up: values the application holds, written where a fill would (no lease asked for). */
export class PrimeCommands<TEntity, TKey> {
  constructor(
    private readonly keys: KeySpace<TEntity, TKey>,
    private readonly scripts: SlotScripts,
    private readonly lookups: LookupCommands<TEntity, TKey>,
  ) {}

  /**
   * Writes values the application holds where a fill would (see the prime script); answers per
   * entry. As for a fill: tag sets joined first (a set that names a value not primed costs an
   * extra delete at the next invalidateTag, nothing more), the values one script per slot, index
   * entries after the values primed. A failure of any step is the answer (priming again is harmless).
   */
  async prime(
    entries: readonly { k: ResolvedKey<TKey>; entity: TEntity; stored: StoredValue; pttl: number; version: string }[],
  ): Promise<GuardResult<PrimeOutcome[]>> {
    const joined = await this.lookups.joinTagSets(
      entries.flatMap(({ k, entity, pttl }) =>
        this.keys.tagKeysOfEntity(entity).map((set) => ({ set, member: k.valueKey, ttl: pttl })),
      ),
    );
    if (!joined.ok) return joined;
    const r = await this.scripts.runPerEntry(
      "prime",
      PRIME,
      entries.map(({ k, stored, pttl, version }) => ({
        value: k.valueKey,
        lease: k.leaseKey,
        writers: this.keys.writersKeyOfEnc(k.enc),
        payload: stored,
        pttl,
        version,
      })),
      (e) => e.value,
      (group) => ({ entries: group }),
    );
    if (r.ok) {
      const pointers = entries.flatMap(({ k, entity, pttl }, i) =>
        r.value[i]?.primed
          ? this.keys.indexKeysOfEntity(entity).map((index) => this.lookups.writeIndexPointer(index, k.enc, pttl))
          : [],
      );
      await Promise.all(pointers);
    }
    return r;
  }
}
