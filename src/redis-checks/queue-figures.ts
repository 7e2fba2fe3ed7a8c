import { CONSUMER_GROUP } from "../runtime/scripts/write-behind-scripts.js";
import type { EntityKeys, FoundKey } from "./key-census.js";

export interface QueueFigures {
  /** Entries not yet written to the source (the worker deletes an entry once it is). */
  readonly queued: number;
  /** Of those, delivered to a worker and not acknowledged yet. */
  readonly inFlight: number;
  readonly deadLetters: number;
}

/** The write-behind stream and dead-letter stream of an entity, as the scan found them. */
export async function measureQueue(keys: EntityKeys | undefined): Promise<QueueFigures> {
  const [queued, inFlight, deadLetters] = await Promise.all([
    streamLength(keys?.queue),
    pendingInGroup(keys?.queue),
    streamLength(keys?.deadLetters),
  ]);
  return { queued, inFlight, deadLetters };
}

async function streamLength(found: FoundKey | undefined): Promise<number> {
  return found === undefined ? 0 : Number(await found.node.redis.call("XLEN", found.key));
}

async function pendingInGroup(found: FoundKey | undefined): Promise<number> {
  if (found === undefined) return 0;
  try {
    const [count] = (await found.node.redis.call("XPENDING", found.key, CONSUMER_GROUP)) as [number];
    return Number(count);
  } catch {
    return 0; // NOGROUP: no worker has started yet
  }
}
