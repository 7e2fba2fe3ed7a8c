import type { CommandClient } from "./command-client.js";
import { escapeGlob } from "./key-encoding.js";
import type { KeySpace, ResolvedKey } from "./key-space.js";
import { L1Cache } from "./l1.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { runScript } from "./scripts/define-script.js";
import { unexpected } from "./scripts/script-batcher.js";
import { BUMP_EPOCHS, INVALIDATE, INVALIDATE_NAMESPACE } from "./scripts/write-scripts.js";
import { slotGroups } from "./slot-groups.js";
import type { SlotScripts } from "./slot-scripts.js";

/** A tag epoch expires this long after its last bump (far longer than any lease). */
const EPOCH_TTL_MS = 24 * 60 * 60 * 1000;
/** Keys one step of a namespace revocation scans (each step is one short script). */
const NAMESPACE_SCAN_COUNT = 500;

/**
 * Invalidation: values revoked with their leases, tag epochs bumped, a namespace revoked step by
 * step, tag sets read and left, stale keys dropped, L1 tiers told to forget.
 */
export class InvalidationCommands<TEntity, TKey> {
  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    private readonly scripts: SlotScripts,
  ) {}

  /**
   * Deletes values with their leases (revoking fills in flight), marks their write-through writers
   * in flight as overlapped, then deletes `indexEntries`. `ks` may be keys of another entity (what
   * `invalidates` names, in `space`): `op` says which. Answers the values deleted. `soft`: values
   * are marked stale instead of deleted (see the invalidate script).
   */
  async revoke(
    ks: readonly Pick<ResolvedKey<unknown>, "enc" | "valueKey" | "leaseKey">[],
    indexEntries: readonly string[],
    op = "invalidate",
    space: KeySpace<unknown, unknown> = this.keys as KeySpace<unknown, unknown>,
    soft = false,
  ): Promise<GuardResult<(Buffer | undefined)[]>> {
    const markWriters = space.definition.strategy === "write-through";
    const r = await this.scripts.runPerEntry(
      op,
      INVALIDATE,
      ks.map((k) => ({ value: k.valueKey, lease: k.leaseKey, writers: space.writersKeyOfEnc(k.enc) })),
      (e) => e.value,
      (group) => ({ entries: group, markWriters, soft }),
    );
    if (!r.ok || !indexEntries.length) return r;
    const dropped = await this.drop(indexEntries);
    return dropped.ok ? r : dropped;
  }

  /** Bumps the tag epoch of every bucket of `space` (revoking every fill in flight of the entity). */
  bumpEpochs(
    space: KeySpace<unknown, unknown> = this.keys as KeySpace<unknown, unknown>,
  ): Promise<GuardResult<unknown>> {
    const startEpoch = String(Date.now() * 1000);
    return this.scripts.runPerSlot(
      "bump-epochs",
      BUMP_EPOCHS,
      space.epochKeys,
      (epoch) => epoch,
      (group) => ({ epochs: group, startEpoch, epochTtlMs: EPOCH_TTL_MS }),
    );
  }

  /**
   * One step of revoking every entry of `space`'s namespace on one node (see the
   * invalidate-namespace script; the caller bumped the epochs first): `cursor` "0" starts; answers
   * the next cursor ("0": done) and the value keys deleted. `node`: a master of a Cluster
   * (`masters()`), the client itself on a standalone Redis.
   */
  revokeNamespaceStep(
    space: KeySpace<unknown, unknown>,
    node: CommandClient | undefined,
    cursor: string,
  ): Promise<GuardResult<{ readonly cursor: string; readonly dropped: string[] }>> {
    const input = {
      markWriters: space.definition.strategy === "write-through",
      cursor,
      match: `${escapeGlob(space.base)}*`,
      count: NAMESPACE_SCAN_COUNT,
      base: space.base,
    };
    if (!node) return this.scripts.run("invalidate-namespace", INVALIDATE_NAMESPACE, input);
    const { keys, args } = INVALIDATE_NAMESPACE.encode(input);
    return this.guard
      .run("invalidate-namespace", () => runScript(node, INVALIDATE_NAMESPACE, keys, args))
      .then((r) => {
        if (!r.ok) return r;
        const value = INVALIDATE_NAMESPACE.decode(r.value);
        return value === undefined ? unexpected(INVALIDATE_NAMESPACE) : { ok: true, value };
      });
  }

  /** The nodes a namespace revocation scans: each master of a Cluster, or [undefined] (the client itself). */
  scanNodes(): (CommandClient | undefined)[] {
    const client = this.guard.client as CommandClient & { nodes?: (role: string) => CommandClient[] };
    return this.scripts.clustered && client.nodes ? client.nodes("master") : [undefined];
  }

  /** The members of tag sets (value keys, untrusted: the caller checks them). */
  async tagMembers(setKeys: readonly string[]): Promise<GuardResult<string[][]>> {
    const replies = await Promise.all(
      setKeys.map((set) => this.guard.run("tag-members", (c) => c.call("SMEMBERS", set))),
    );
    const failed = replies.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    return {
      ok: true,
      value: replies.map((r) => (r.ok && Array.isArray(r.value) ? (r.value as unknown[]).map(String) : [])),
    };
  }

  /** Removes members from a tag set (those an invalidateTag revoked; members added since stay). */
  leaveTagSet(setKey: string, members: readonly string[]): Promise<GuardResult<unknown>> {
    if (!members.length) return Promise.resolve({ ok: true, value: 0 });
    return this.guard.run("tag-leave", (c) => c.call("SREM", setKey, ...members));
  }

  /** Deletes keys that hold no lease (stale index entries): one DEL per slot on a Cluster. */
  async drop(keys: readonly string[]): Promise<GuardResult<unknown>> {
    const replies = await Promise.all(
      slotGroups(this.scripts.clustered, keys, (key) => key).map((group) =>
        this.guard.run("del", (c) => c.call("DEL", ...group.map((i) => keys[i]!))),
      ),
    );
    return replies.find((r) => !r.ok) ?? { ok: true, value: replies.length };
  }

  /** Tells the L1 tiers listening on `channel` (this entity's, or a target's) to forget these values. */
  publish(channel: string, valueKeys: readonly string[]): Promise<GuardResult<number>> {
    return this.guard.run("publish", (c) => c.publish(channel, L1Cache.message(valueKeys)));
  }
}
