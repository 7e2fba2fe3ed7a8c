import type { GuardResult, RedisGuard } from "./redis-guard.js";
import { LIST_DROP_IF_SAME, LIST_FILL, LIST_READ, LIST_RENEW } from "./scripts/list-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";

/** List keys: a list's members (value keys) or the lease of the reader filling it, in one key. */
export class ListCommands {
  constructor(
    private readonly guard: RedisGuard,
    private readonly scripts: SlotScripts,
    private readonly leaseTtlMs: number,
  ) {}

  /** A list's members or another reader's lease, as stored; null when it was absent and `lease` now holds it. */
  readList(listKey: string, lease: string): Promise<GuardResult<string | null>> {
    return this.scripts.run("list-read", LIST_READ, { list: listKey, lease, leaseTtlMs: this.leaseTtlMs });
  }

  /** Extends `lease` on its list key to the lease TTL from now, while it still holds. */
  renewListLease(listKey: string, lease: string): Promise<GuardResult<boolean>> {
    return this.scripts.run("list-renew", LIST_RENEW, { list: listKey, lease, leaseTtlMs: this.leaseTtlMs });
  }

  /** Writes a list's members while `lease` still holds its key; answers whether it did. */
  fillList(listKey: string, lease: string, members: string, pttl: number): Promise<GuardResult<boolean>> {
    return this.scripts.run("list-fill", LIST_FILL, { list: listKey, lease, members, pttl });
  }

  /** Deletes a list key still holding exactly `expected` (a lease given back, members found stale). */
  dropListIfSame(listKey: string, expected: string): Promise<GuardResult<boolean>> {
    return this.scripts.run("list-drop", LIST_DROP_IF_SAME, { list: listKey, expected });
  }

  /** Deletes list keys (their members and any fill's lease), one DEL per key: each may live in a slot of its own. */
  async dropLists(listKeys: readonly string[]): Promise<boolean> {
    const results = await Promise.all(listKeys.map((key) => this.guard.run("list-del", (c) => c.call("DEL", key))));
    return results.every((r) => r.ok);
  }
}
