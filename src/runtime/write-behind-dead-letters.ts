import type { CommandClient } from "./command-client.js";
import { CONSUMER_GROUP, DEFAULT_PARTITIONS, entityKeyLayout } from "./keys.js";
import { runTypedScript } from "./scripts/define-script.js";
import { REPLAY } from "./scripts/write-behind-queue-scripts.js";
import { PENDING_FRESH_UNTIL, storedNotFound } from "./stored-value.js";
import { entriesOfList } from "./stream-entries.js";

/** Which entity's dead letters: its name, the key prefix its repositories use and its queue partitions. */
export interface DeadLetterStream {
  readonly prefix: string;
  readonly entity: string;
  /** DEFAULT_PARTITIONS when absent. */
  readonly partitions?: number;
}

/** One dead letter, as an operator reads it. */
export interface DeadLetter {
  /** Its id in the dead-letter stream. */
  readonly id: string;
  readonly op: "save" | "delete" | string;
  /** The encoded key. */
  readonly key: string;
  /** The namespace (deploy) that queued it. */
  readonly namespace: string;
  readonly attempts: number;
  readonly error: string;
  /** The dead-letter stream that holds it (one per partition, and the layout-1 one). */
  readonly stream: string;
}

const DEFAULT_LIMIT = 1_000;

/** A client, or which client holds a key (the CLI talks to a Cluster's nodes one by one). */
export type KeyRoute = CommandClient | ((key: string) => Promise<CommandClient>);

function at(route: KeyRoute, key: string): Promise<CommandClient> {
  return typeof route === "function" ? route(key) : Promise.resolve(route);
}

interface Queue {
  readonly stream: string;
  readonly deadLetters: string;
  /** What the keys of an entry of this queue start with, in namespace `ns` (`v:<key>` follows). */
  readonly entryPrefix: (ns: string) => string;
}

/** Every queue of an entity: its partitions, then the layout-1 stream. */
function queuesOf(target: DeadLetterStream): Queue[] {
  // Any valid namespace: the stream and dead-letter keys are not namespaced.
  const layout = entityKeyLayout(target.prefix, target.entity, "0", target.partitions ?? DEFAULT_PARTITIONS);
  const partitions = layout.bucketTags.map((tag, i) => ({
    stream: layout.streamKeys[i]!,
    deadLetters: layout.deadLetterKeys[i]!,
    entryPrefix: (ns: string) => `${entityKeyLayout(target.prefix, target.entity, ns, layout.buckets).base}{${tag}}:`,
  }));
  return [
    ...partitions,
    {
      stream: layout.legacyStreamKey,
      deadLetters: layout.legacyDeadLetterKey,
      entryPrefix: (ns: string) =>
        `${layout.legacyRoot}${entityKeyLayout(target.prefix, target.entity, ns).base.slice(layout.root.length)}`,
    },
  ];
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new TypeError(`cachegen: limit must be a positive integer (got ${limit})`);
  return limit;
}

/** The dead letters of an entity, the oldest `limit` of each dead-letter stream, `limit` in all. */
export async function readDeadLetters(
  client: KeyRoute,
  target: DeadLetterStream,
  limit = DEFAULT_LIMIT,
): Promise<DeadLetter[]> {
  checkLimit(limit);
  const lists = await Promise.all(queuesOf(target).map((queue) => readQueue(client, queue.deadLetters, limit)));
  return lists.flat().slice(0, limit);
}

/** The total count of an entity's dead letters, over its dead-letter streams. */
export async function countDeadLetters(client: KeyRoute, target: DeadLetterStream): Promise<number> {
  const counts = await Promise.all(
    queuesOf(target).map(async (queue) => (await at(client, queue.deadLetters)).call("XLEN", queue.deadLetters)),
  );
  return counts.reduce<number>((sum, n) => sum + Number(n), 0);
}

async function readQueue(client: KeyRoute, deadLetters: string, limit: number): Promise<DeadLetter[]> {
  const node = await at(client, deadLetters);
  const list = entriesOfList(await node.callBuffer("XRANGE", deadLetters, "-", "+", "COUNT", limit));
  return list.map(({ id, fields }) => {
    const text = (name: string): string => fields.get(name)?.toString("utf8") ?? "";
    const op = text("op");
    return {
      id,
      op: op === "s" ? "save" : op === "d" ? "delete" : op,
      key: text("key"),
      namespace: text("ns"),
      attempts: Number(text("attempts")) || 0,
      error: text("error"),
      stream: deadLetters,
    };
  });
}

/**
 * Puts the oldest `limit` dead letters of an entity back in its queue (see the REPLAY script), each
 * in the partition it died in: each becomes the newest write of its key, unless a newer version of
 * it is cached. Replies how many dead letters were taken; a worker then writes them to the source.
 */
export async function replayDeadLetters(
  client: KeyRoute,
  target: DeadLetterStream,
  limit = DEFAULT_LIMIT,
): Promise<number> {
  let left = checkLimit(limit);
  let taken = 0;
  for (const queue of queuesOf(target)) {
    if (left <= 0) break;
    const letters = await readQueue(client, queue.deadLetters, left);
    left -= letters.length;
    const entries = letters.flatMap((letter) => {
      try {
        const at = queue.entryPrefix(letter.namespace);
        return [
          {
            value: `${at}v:${letter.key}`,
            lease: `${at}l:${letter.key}`,
            pending: `${at}p:${letter.key}`,
            id: letter.id,
          },
        ];
      } catch {
        return []; // not an entry the runtime wrote: left for an operator
      }
    });
    if (!entries.length) continue;
    taken += await runTypedScript(await at(client, queue.stream), REPLAY, {
      stream: queue.stream,
      deadLetters: queue.deadLetters,
      group: CONSUMER_GROUP,
      tombstone: storedNotFound(PENDING_FRESH_UNTIL),
      entries,
    });
  }
  return taken;
}
