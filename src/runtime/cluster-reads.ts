import type { CommandClient } from "./command-client.js";
import type { GuardFailure, GuardResult, RedisGuard } from "./redis-guard.js";
import { keySlot } from "./slots.js";

/** What the runtime reads of an ioredis Cluster: its slot table (node keys per slot, the master first). */
interface ClusterView {
  readonly isCluster: true;
  readonly slots: readonly (readonly string[] | undefined)[];
}

function asCluster(client: CommandClient): ClusterView | undefined {
  return client.isCluster === true ? (client as unknown as ClusterView) : undefined;
}

/** The keys of one slot on one node, with their positions in the read. */
interface SlotRead {
  readonly keys: string[];
  readonly at: number[];
}

/**
 * Groups `keys` (positions `from`..) by the node serving their slot, as the Cluster's slot table
 * says now (the nodes of a slot, master and replicas: the same grouping ioredis checks a pipeline
 * against); per node the keys of each slot, at most `maxPerCommand` per MGET.
 */
function byNode(cluster: ClusterView, keys: readonly string[], maxPerCommand: number): SlotRead[][] {
  const nodes = new Map<string, Map<number, SlotRead[]>>();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const slot = keySlot(key);
    const owners = cluster.slots[slot];
    // A slot the table does not know yet goes alone: ioredis routes it (and follows MOVED) itself.
    const node = owners ? owners.join(";") : `slot:${slot}`;
    let slots = nodes.get(node);
    if (!slots) nodes.set(node, (slots = new Map()));
    let reads = slots.get(slot);
    if (!reads) slots.set(slot, (reads = []));
    let last = reads[reads.length - 1];
    if (!last || last.keys.length >= maxPerCommand) reads.push((last = { keys: [], at: [] }));
    last.keys.push(key);
    last.at.push(i);
  }
  return [...nodes.values()].map((slots) => [...slots.values()].flat());
}

/**
 * The values of one node's slots: one MGET when it serves one slot of the read, else a pipeline of
 * one MGET per slot (ioredis 5.11 and 6.0 send a pipeline whose keys all live on one set of nodes
 * to that node, and route it by its first key). A slot whose MGET failed in the pipeline (MOVED or
 * ASK while a slot migrates) or a pipeline refused (the slot table changed since the grouping, or
 * an ioredis that wants one slot per pipeline) is read again on its own, where ioredis follows
 * redirections per command.
 */
async function readNode(client: CommandClient, reads: readonly SlotRead[]): Promise<(Buffer | null)[][]> {
  if (reads.length === 1 || !client.pipeline) return Promise.all(reads.map((r) => client.mgetBuffer(r.keys)));
  const pipeline = client.pipeline();
  for (const read of reads) pipeline.mgetBuffer(read.keys);
  const replies = await pipeline.exec().catch(() => null);
  return Promise.all(
    reads.map((read, i) => {
      const reply = replies?.[i];
      return reply && !reply[0] && Array.isArray(reply[1])
        ? Promise.resolve(reply[1] as (Buffer | null)[])
        : client.mgetBuffer(read.keys);
    }),
  );
}

/**
 * Reads `keys` on a Cluster with one guarded call per node, all sent together: per node, one MGET
 * per slot (pipelined). Never CROSSSLOT. Hands `done` each key's value (null: absent) or, for
 * the keys of a node whose call failed or was skipped, that failure. Returns false (nothing sent)
 * when the client is not a Cluster: the caller's MGETs are right there.
 */
export function readAcrossNodes(
  guard: RedisGuard,
  keys: readonly string[],
  maxPerCommand: number,
  done: (position: number, value: Buffer | null, failure: GuardFailure | undefined) => void,
  allDone?: () => void,
): boolean {
  const cluster = asCluster(guard.client);
  if (!cluster) return false;
  const nodes = byNode(cluster, keys, maxPerCommand);
  let left = nodes.length;
  for (const reads of nodes) {
    guard.call(
      "mget",
      (c) => readNode(c, reads),
      (r: GuardResult<(Buffer | null)[][]>) => {
        reads.forEach((read, i) => {
          const values = r.ok ? r.value[i]! : undefined;
          read.at.forEach((position, j) => done(position, values?.[j] ?? null, r.ok ? undefined : r));
        });
        if (--left === 0) allDone?.();
      },
    );
  }
  if (left === 0) allDone?.();
  return true;
}
