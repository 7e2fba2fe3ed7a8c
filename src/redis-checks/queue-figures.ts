import { CONSUMER_GROUP } from "../runtime/keys.js";
import type { EntityKeys } from "./entity-layout.js";
import type { KeyNodes } from "./key-nodes.js";

export interface QueueFigures {
  /** Entries not yet written to the source (the worker deletes an entry once it is), over every stream. */
  readonly queued: number;
  /** Of those, delivered to a worker and not acknowledged yet. */
  readonly inFlight: number;
  readonly deadLetters: number;
  /** The dead-letter streams that hold entries. */
  readonly deadLetterKeys: readonly string[];
}

/** XLEN and XPENDING of an entity's write-behind streams and XLEN of its dead-letter streams, summed. */
export async function measureQueue(nodes: KeyNodes, keys: EntityKeys): Promise<QueueFigures> {
  const [queued, inFlight, deadLetters] = await Promise.all([
    Promise.all(keys.queueKeys.map((key) => streamLength(nodes, key))),
    Promise.all(keys.queueKeys.map((key) => pendingInGroup(nodes, key))),
    Promise.all(keys.deadLetterKeys.map((key) => streamLength(nodes, key))),
  ]);
  return {
    queued: sum(queued),
    inFlight: sum(inFlight),
    deadLetters: sum(deadLetters),
    deadLetterKeys: keys.deadLetterKeys.filter((_, i) => deadLetters[i]! > 0),
  };
}

async function streamLength(nodes: KeyNodes, key: string): Promise<number> {
  return Number(await nodes.callOnOwner(key, "XLEN"));
}

async function pendingInGroup(nodes: KeyNodes, key: string): Promise<number> {
  try {
    const [count] = (await nodes.callOnOwner(key, "XPENDING", CONSUMER_GROUP)) as [number];
    return Number(count);
  } catch (error) {
    if (/NOGROUP/.test(String(error))) return 0; // no worker has started yet, or no stream
    throw error;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
