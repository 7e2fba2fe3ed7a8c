import type { CommandClient } from "./command-client.js";
import { CONSUMER_GROUP, entityKeyLayout } from "./keys.js";
import { runTypedScript } from "./scripts/define-script.js";
import { REPLAY } from "./scripts/write-behind-scripts.js";
import { PENDING_FRESH_UNTIL, storedNotFound } from "./stored-value.js";
import { entriesOfList } from "./stream-entries.js";

/** Which entity's dead letters: its name and the key prefix its repositories use. */
export interface DeadLetterStream {
  readonly prefix: string;
  readonly entity: string;
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
}

const DEFAULT_LIMIT = 1_000;

function streamsOf(target: DeadLetterStream): { stream: string; deadLetters: string } {
  // Any valid namespace: the stream and dead-letter keys are not namespaced.
  const layout = entityKeyLayout(target.prefix, target.entity, "0");
  return { stream: layout.streamKey, deadLetters: layout.deadLetterKey };
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new TypeError(`cachegen: limit must be a positive integer (got ${limit})`);
  return limit;
}

/** The oldest `limit` dead letters of an entity. */
export async function readDeadLetters(
  client: CommandClient,
  target: DeadLetterStream,
  limit = DEFAULT_LIMIT,
): Promise<DeadLetter[]> {
  const { deadLetters } = streamsOf(target);
  const list = entriesOfList(await client.callBuffer("XRANGE", deadLetters, "-", "+", "COUNT", checkLimit(limit)));
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
    };
  });
}

/**
 * Puts the oldest `limit` dead letters of an entity back in its queue (see the REPLAY script): each
 * becomes the newest write of its key, unless a newer version of it is cached. Replies how many
 * dead letters were taken; a worker then writes them to the source.
 */
export async function replayDeadLetters(
  client: CommandClient,
  target: DeadLetterStream,
  limit = DEFAULT_LIMIT,
): Promise<number> {
  const { stream, deadLetters } = streamsOf(target);
  const entries = (await readDeadLetters(client, target, limit)).flatMap((letter) => {
    try {
      const layout = entityKeyLayout(target.prefix, target.entity, letter.namespace);
      return [
        {
          value: `${layout.valuePrefix}${letter.key}`,
          lease: `${layout.leasePrefix}${letter.key}`,
          pending: `${layout.base}p:${letter.key}`,
          id: letter.id,
        },
      ];
    } catch {
      return []; // not an entry the runtime wrote: left for an operator
    }
  });
  if (!entries.length) return 0;
  return runTypedScript(client, REPLAY, {
    stream,
    deadLetters,
    group: CONSUMER_GROUP,
    tombstone: storedNotFound(PENDING_FRESH_UNTIL),
    entries,
  });
}
