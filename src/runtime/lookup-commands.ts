import type { KeySpace } from "./key-space.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { JOIN_TAG_SETS } from "./scripts/read-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";
import type { ValueCommands } from "./value-commands.js";

/**
 * Index entries (pointers to a value, in their lookup value's slot) and tag sets (the value keys
 * an invalidateTag revokes). Tag sets are joined before a value is written, index entries written
 * after it: a crash between the calls leaves nothing stale (a pointer is checked on read).
 */
export class LookupCommands<TEntity, TKey> {
  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    private readonly scripts: SlotScripts,
    private readonly values: ValueCommands,
    private readonly writeTimeoutMs: number,
  ) {}

  /**
   * An index entry and the value it points to (null: no entry): two reads, as they are in different
   * slots (the caller checks that the value still belongs under the entry). A pointer holding `{`
   * or `}` is not one this runtime wrote: returned without a value.
   */
  async readIndex(
    indexKey: string,
  ): Promise<GuardResult<{ readonly pointer: string; readonly stored: Buffer | undefined } | null>> {
    const r = await this.guard.run("index-get", (c) => c.getBuffer(indexKey));
    if (!r.ok || r.value === null) return r.ok ? { ok: true, value: null } : r;
    const pointer = r.value.toString("utf8");
    if (pointer === "" || /[{}]/.test(pointer)) return { ok: true, value: { pointer, stored: undefined } };
    const value = await this.values.readOne(this.keys.valueKeyOfEnc(pointer));
    if (!value.ok) return value;
    return { ok: true, value: { pointer, stored: value.value ?? undefined } };
  }

  /**
   * Writes an index entry only (its value was not loaded under a lease, so it is not filled); no
   * expiry when `pttl` is undefined (a write-behind value's, bounded like its save).
   */
  writeIndexPointer(indexKey: string, enc: string, pttl: number | undefined): Promise<GuardResult<unknown>> {
    if (pttl === undefined)
      return this.guard.run("index-set", (c) => c.call("SET", indexKey, enc), this.writeTimeoutMs);
    return this.guard.run("index-set", (c) => c.call("SET", indexKey, enc, "PX", pttl));
  }

  /** Adds members to tag sets (extending each set's expiry to the member's); before the member is written. */
  joinTagSets(
    entries: readonly { readonly set: string; readonly member: string; readonly ttl: number }[],
  ): Promise<GuardResult<unknown>> {
    if (!entries.length) return Promise.resolve({ ok: true, value: 0 });
    return this.scripts.runPerSlot(
      "join-tag-sets",
      JOIN_TAG_SETS,
      entries,
      (e) => e.set,
      (group) => ({ entries: group }),
    );
  }
}
