import type { CommandClient } from "./command-client.js";
import { CONSUMER_GROUP } from "./keys.js";
import { runTypedScript } from "./scripts/define-script.js";
import { OWN, RENEW_OWNERS, type Ownership } from "./scripts/write-behind-owner-scripts.js";
import type { KeyGroup } from "./write-behind-batch.js";

/**
 * Per-key order across live workers: one worker at a time owns a key (its owner key, see OWN);
 * entries of a key another worker owns are handed to that worker. The owner keys held are renewed
 * while held (they expire after `ttlMs`, like a worker's claim on its entries).
 */
export class KeyOwners {
  private readonly owned = new Set<string>();
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: CommandClient,
    private readonly place: { readonly stream: string; readonly consumer: string; readonly ttlMs: number },
    private readonly isStopping: () => boolean,
  ) {}

  /** Whether this worker holds any key (entries may have been handed to it). */
  get holdsAny(): boolean {
    return this.owned.size > 0;
  }

  /**
   * Takes ownership of the groups' keys; answers per group (in order) whether this worker writes it,
   * another live worker owns its key (its entries are now that worker's), or it is superseded by a
   * later write of its key already settled. `abandoned`: ids claimed from a dead worker (taken over).
   */
  async own<TEntity, TKey>(
    groups: readonly KeyGroup<TEntity, TKey>[],
    abandoned: ReadonlySet<string>,
  ): Promise<Ownership[]> {
    const { stream, consumer, ttlMs } = this.place;
    const owns = await runTypedScript(this.connection, OWN, {
      stream,
      group: CONSUMER_GROUP,
      consumer,
      ttl: ttlMs,
      ids: groups.flatMap((group) => group.ids),
      entries: groups.map((group) => ({
        owner: group.ownerKey,
        settled: group.settledKey,
        ids: group.ids,
        newest: group.written.id,
        steal: group.ids.some((id) => abandoned.has(id)),
      })),
    });
    const ownership = groups.map((_, i) => owns[i] ?? "handed");
    groups.forEach((group, i) => ownership[i] !== "handed" && this.owned.add(group.ownerKey));
    this.renew();
    return ownership;
  }

  /** The key's owner key was given up (by ACKNOWLEDGE or FAIL, once nothing of it is queued). */
  released(ownerKey: string): void {
    this.owned.delete(ownerKey);
  }

  stop(): void {
    clearInterval(this.renewal);
  }

  private renew(): void {
    if (this.renewal || this.owned.size === 0) return;
    const { consumer, ttlMs } = this.place;
    this.renewal = setInterval(
      () => {
        if (this.owned.size === 0 || this.isStopping()) {
          clearInterval(this.renewal);
          this.renewal = undefined;
          return;
        }
        const owners = [...this.owned];
        runTypedScript(this.connection, RENEW_OWNERS, { owners, consumer, ttl: ttlMs }).then(
          (held) => owners.forEach((owner, i) => held[i] || this.owned.delete(owner)),
          () => undefined, // the worker's loop reports Redis errors
        );
      },
      Math.max(10, Math.floor(ttlMs / 3)),
    );
    this.renewal.unref();
  }
}
