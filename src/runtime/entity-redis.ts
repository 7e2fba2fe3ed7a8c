import { InvalidationCommands } from "./invalidation-commands.js";
import type { KeySpace } from "./key-space.js";
import { LeaseCommands } from "./lease-commands.js";
import { ListCommands } from "./list-commands.js";
import { LookupCommands } from "./lookup-commands.js";
import { PrimeCommands } from "./prime-commands.js";
import type { RedisGuard } from "./redis-guard.js";
import { SlotScripts } from "./slot-scripts.js";
import { ValueCommands } from "./value-commands.js";
import { WriteBehindCommands } from "./write-behind-commands.js";
import { WriteThroughCommands } from "./write-through-commands.js";

/** Every command one repository sends to Redis, by name (see `entityRedis`). */
export type EntityRedis<TEntity, TKey> = ReturnType<typeof entityRedis<TEntity, TKey>>;

/**
 * Every command one repository sends to Redis, named for what it does, over the guard (fail-open:
 * nothing here rejects; each call answers a GuardResult); one part per job, all running their
 * scripts through one SlotScripts. Which keys go together in one command or script call is decided
 * in these parts and in the KeySpace only: the keys of one entry share its bucket's hash tag, index
 * entries and tag sets carry their lookup value's, so on a Cluster a call of many entries is split
 * per slot (`slotGroups`), reads of many keys go per node, one MGET per slot (cluster-reads.ts); on
 * a standalone client it stays one call. A step that spans slots is ordered so a crash between its
 * calls leaves nothing stale: tag sets are joined before a value is written, index entries written
 * after it (a pointer is checked on read).
 *
 * Order: the writes batched per tick (writer marks, puts, enqueues) are sent before any other
 * script, so commands reach Redis in the order they were issued, only grouped.
 */
export function entityRedis<TEntity, TKey>(
  guard: RedisGuard,
  keys: KeySpace<TEntity, TKey>,
  bounds: { readonly leaseTtlMs: number; readonly writeTimeoutMs: number },
) {
  const scripts = new SlotScripts(guard);
  const values = new ValueCommands(guard, scripts);
  const lookups = new LookupCommands(guard, keys, scripts, values, bounds.writeTimeoutMs);
  const leases = new LeaseCommands(keys, scripts, lookups, bounds.leaseTtlMs);
  const primes = new PrimeCommands(keys, scripts, lookups);
  const lists = new ListCommands(guard, scripts, bounds.leaseTtlMs);
  const invalidation = new InvalidationCommands(guard, keys, scripts);
  const writeThrough = new WriteThroughCommands(guard, keys, scripts);
  const writeBehind = new WriteBehindCommands(guard, keys, scripts, bounds.writeTimeoutMs);
  return {
    read: values.read.bind(values),
    readMany: values.readMany.bind(values),
    readOne: values.readOne.bind(values),
    discardIfUnchanged: values.discardIfUnchanged.bind(values),

    readIndex: lookups.readIndex.bind(lookups),
    writeIndexPointer: lookups.writeIndexPointer.bind(lookups),

    acquire: leases.acquire.bind(leases),
    fill: leases.fill.bind(leases),
    release: leases.release.bind(leases),
    renewLeases: leases.renew.bind(leases),

    prime: primes.prime.bind(primes),

    readList: lists.readList.bind(lists),
    fillList: lists.fillList.bind(lists),
    renewListLease: lists.renewListLease.bind(lists),
    dropListIfSame: lists.dropListIfSame.bind(lists),
    dropLists: lists.dropLists.bind(lists),

    revoke: invalidation.revoke.bind(invalidation),
    bumpEpochs: invalidation.bumpEpochs.bind(invalidation),
    revokeNamespaceStep: invalidation.revokeNamespaceStep.bind(invalidation),
    scanNodes: invalidation.scanNodes.bind(invalidation),
    tagMembers: invalidation.tagMembers.bind(invalidation),
    leaveTagSet: invalidation.leaveTagSet.bind(invalidation),
    drop: invalidation.drop.bind(invalidation),
    publish: invalidation.publish.bind(invalidation),

    markWriter: writeThrough.markWriter.bind(writeThrough),
    unmarkWriter: writeThrough.unmarkWriter.bind(writeThrough),
    put: writeThrough.put.bind(writeThrough),

    enqueue: writeBehind.enqueue.bind(writeBehind),
    queuedValue: writeBehind.queuedValue.bind(writeBehind),
    onStreams: writeBehind.onStreams.bind(writeBehind),
    queueLength: writeBehind.queueLength.bind(writeBehind),
  };
}
