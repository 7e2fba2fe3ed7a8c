import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { runScript, type TypedScript } from "./scripts/define-script.js";
import { ScriptBatcher, unexpected } from "./scripts/script-batcher.js";
import { slotGroups } from "./slot-groups.js";

/**
 * Runs the scripts of one repository: one call, or one call per slot on a Cluster (the keys of one
 * entry share a slot; entries of many slots are split with `slotGroups`). Shared by every part of
 * the Redis layer, so the writes batched per tick (`batched`) are sent before any other script:
 * commands reach Redis in the order they were issued, only grouped.
 */
export class SlotScripts {
  /** On a Cluster: calls of many keys are split per slot. */
  readonly clustered: boolean;
  private readonly batchers: ScriptBatcher<never, unknown>[] = [];

  constructor(private readonly guard: RedisGuard) {
    this.clustered = guard.client.isCluster === true;
  }

  /** A batcher of `s` (calls of one tick in one script call per slot), flushed before any other script runs. */
  batched<TInput, TReply>(
    s: TypedScript<TInput, TReply>,
    bounds?: { readonly timeoutMs?: number },
  ): ScriptBatcher<TInput, TReply> {
    const batcher = new ScriptBatcher(this.guard, s, bounds);
    this.batchers.push(batcher as ScriptBatcher<never, unknown>);
    return batcher;
  }

  /**
   * Runs a script of many entries whose reply has one item per entry: one call on a standalone
   * client, one per slot on a Cluster (`keyOf`: a key of the entry), the replies put back in entry
   * order. Any call failing fails the whole (the caller retries or falls back as for one call).
   */
  async runPerEntry<TEntry, TInput, TItem>(
    op: string,
    s: TypedScript<TInput, readonly TItem[]>,
    entries: readonly TEntry[],
    keyOf: (entry: TEntry) => string,
    inputOf: (group: TEntry[]) => TInput,
  ): Promise<GuardResult<TItem[]>> {
    const out = new Array<TItem>(entries.length);
    const replies = await Promise.all(
      slotGroups(this.clustered, entries, keyOf).map(async (group) => {
        const r = await this.run(op, s, inputOf(group.map((i) => entries[i]!)));
        if (r.ok) group.forEach((position, i) => (out[position] = r.value[i]!));
        return r;
      }),
    );
    return replies.find((r) => !r.ok) ?? { ok: true, value: out };
  }

  /** Runs a script over entries, one call per slot on a Cluster (one call on a standalone client); answers the first failure, if any. */
  async runPerSlot<TEntry, TInput>(
    op: string,
    s: TypedScript<TInput, unknown>,
    entries: readonly TEntry[],
    keyOf: (entry: TEntry) => string,
    inputOf: (group: TEntry[]) => TInput,
    timeoutMs?: number,
  ): Promise<GuardResult<unknown>> {
    const replies = await Promise.all(
      slotGroups(this.clustered, entries, keyOf).map((group) =>
        this.run(op, s, inputOf(group.map((i) => entries[i]!)), timeoutMs),
      ),
    );
    return replies.find((r) => !r.ok) ?? { ok: true, value: replies.length };
  }

  /** Runs one script call (the batched writes pending are sent first). */
  run<TInput, TReply>(
    op: string,
    s: TypedScript<TInput, TReply>,
    input: TInput,
    timeoutMs?: number,
  ): Promise<GuardResult<TReply>> {
    for (const batcher of this.batchers) batcher.flush();
    const { keys, args } = s.encode(input);
    return this.guard
      .run(op, (c) => runScript(c, s, keys, args), timeoutMs)
      .then((r) => {
        if (!r.ok) return r;
        const value = s.decode(r.value);
        return value === undefined ? unexpected(s) : { ok: true, value };
      });
  }
}
