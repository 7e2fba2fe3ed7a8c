import type { KeySpace } from "./key-space.js";
import type { RedisGuard } from "./redis-guard.js";
import { LeaseCommands } from "./lease-commands.js";
import { InvalidationCommands } from "./invalidation-commands.js";
import { ListCommands } from "./list-commands.js";
import { LookupCommands } from "./lookup-commands.js";
import { PrimeCommands } from "./prime-commands.js";
import { SlotScripts } from "./slot-scripts.js";
import { ValueCommands } from "./value-commands.js";
import { WriteBehindCommands } from "./write-behind-commands.js";
import { WriteThroughCommands } from "./write-through-commands.js";

/**
 * Every command one repository sends to Redis, named for what it does, over the guard (fail-open:
 * nothing here rejects; each call answers a GuardResult). Which keys go together in one command or
 * script call is decided here and in the KeySpace only: the keys of one entry share its bucket's
 * hash tag, index entries and tag sets carry their lookup value's, so on a Cluster a call of many
 * entries is split per slot (`slotGroups`), reads of many keys go per node, one MGET per slot
 * (cluster-reads.ts); on a standalone client it stays one call. A step that
 * spans slots is ordered so a crash between its calls leaves nothing stale: tag sets are joined
 * before a value is written, index entries written after it (a pointer is checked on read).
 *
 * Order: the writes batched per tick (writer marks, puts, enqueues) are sent before any other script, so
 * commands reach Redis in the order they were issued, only grouped.
 */
export class EntityRedis<TEntity, TKey> {
  readonly read: ValueCommands["read"];
  readonly readMany: ValueCommands["readMany"];
  readonly readOne: ValueCommands["readOne"];
  readonly discardIfUnchanged: ValueCommands["discardIfUnchanged"];
  readonly readIndex: LookupCommands<TEntity, TKey>["readIndex"];
  readonly writeIndexPointer: LookupCommands<TEntity, TKey>["writeIndexPointer"];
  readonly expireIndexEntries: LookupCommands<TEntity, TKey>["expireIndexEntries"];
  readonly acquire: LeaseCommands<TEntity, TKey>["acquire"];
  readonly fill: LeaseCommands<TEntity, TKey>["fill"];
  readonly release: LeaseCommands<TEntity, TKey>["release"];
  readonly prime: PrimeCommands<TEntity, TKey>["prime"];
  readonly readList: ListCommands["readList"];
  readonly fillList: ListCommands["fillList"];
  readonly dropListIfSame: ListCommands["dropListIfSame"];
  readonly dropLists: ListCommands["dropLists"];
  readonly revoke: InvalidationCommands<TEntity, TKey>["revoke"];
  readonly bumpEpochs: InvalidationCommands<TEntity, TKey>["bumpEpochs"];
  readonly revokeNamespaceStep: InvalidationCommands<TEntity, TKey>["revokeNamespaceStep"];
  readonly scanNodes: InvalidationCommands<TEntity, TKey>["scanNodes"];
  readonly tagMembers: InvalidationCommands<TEntity, TKey>["tagMembers"];
  readonly leaveTagSet: InvalidationCommands<TEntity, TKey>["leaveTagSet"];
  readonly drop: InvalidationCommands<TEntity, TKey>["drop"];
  readonly publish: InvalidationCommands<TEntity, TKey>["publish"];
  readonly markWriter: WriteThroughCommands<TEntity, TKey>["markWriter"];
  readonly unmarkWriter: WriteThroughCommands<TEntity, TKey>["unmarkWriter"];
  readonly put: WriteThroughCommands<TEntity, TKey>["put"];
  readonly enqueue: WriteBehindCommands<TEntity, TKey>["enqueue"];
  readonly queuedValue: WriteBehindCommands<TEntity, TKey>["queuedValue"];
  readonly onStreams: WriteBehindCommands<TEntity, TKey>["onStreams"];
  readonly queueLength: WriteBehindCommands<TEntity, TKey>["queueLength"];
  private readonly scripts: SlotScripts;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    bounds: { readonly leaseTtlMs: number; readonly writeTimeoutMs: number },
  ) {
    this.scripts = new SlotScripts(guard);
    const values = new ValueCommands(guard, this.scripts);
    this.read = values.read.bind(values);
    this.readMany = values.readMany.bind(values);
    this.readOne = values.readOne.bind(values);
    this.discardIfUnchanged = values.discardIfUnchanged.bind(values);
    const lookupEntries = new LookupCommands(guard, keys, this.scripts, values, bounds.writeTimeoutMs);
    this.readIndex = lookupEntries.readIndex.bind(lookupEntries);
    this.writeIndexPointer = lookupEntries.writeIndexPointer.bind(lookupEntries);
    this.expireIndexEntries = lookupEntries.expireIndexEntries.bind(lookupEntries);
    const leases = new LeaseCommands(keys, this.scripts, lookupEntries, bounds.leaseTtlMs);
    this.acquire = leases.acquire.bind(leases);
    this.fill = leases.fill.bind(leases);
    this.release = leases.release.bind(leases);
    const primes = new PrimeCommands(keys, this.scripts, lookupEntries);
    this.prime = primes.prime.bind(primes);
    const lists = new ListCommands(guard, this.scripts, bounds.leaseTtlMs);
    this.readList = lists.readList.bind(lists);
    this.fillList = lists.fillList.bind(lists);
    this.dropListIfSame = lists.dropListIfSame.bind(lists);
    this.dropLists = lists.dropLists.bind(lists);
    const invalidation = new InvalidationCommands(guard, keys, this.scripts);
    this.revoke = invalidation.revoke.bind(invalidation);
    this.bumpEpochs = invalidation.bumpEpochs.bind(invalidation);
    this.revokeNamespaceStep = invalidation.revokeNamespaceStep.bind(invalidation);
    this.scanNodes = invalidation.scanNodes.bind(invalidation);
    this.tagMembers = invalidation.tagMembers.bind(invalidation);
    this.leaveTagSet = invalidation.leaveTagSet.bind(invalidation);
    this.drop = invalidation.drop.bind(invalidation);
    this.publish = invalidation.publish.bind(invalidation);
    const writeThrough = new WriteThroughCommands(guard, keys, this.scripts);
    this.markWriter = writeThrough.markWriter.bind(writeThrough);
    this.unmarkWriter = writeThrough.unmarkWriter.bind(writeThrough);
    this.put = writeThrough.put.bind(writeThrough);
    const writeBehind = new WriteBehindCommands(guard, keys, this.scripts, bounds.writeTimeoutMs);
    this.enqueue = writeBehind.enqueue.bind(writeBehind);
    this.queuedValue = writeBehind.queuedValue.bind(writeBehind);
    this.onStreams = writeBehind.onStreams.bind(writeBehind);
    this.queueLength = writeBehind.queueLength.bind(writeBehind);
  }
}
