import type { CommandClient } from "./command-client.js";
import { CONSUMER_GROUP } from "./keys.js";
import { entriesOfList, entriesOfRead, queuedKeyOf, type StreamEntry } from "./stream-entries.js";
import type { KeyOwners } from "./write-behind-key-owners.js";
import type { RetrySchedule } from "./write-behind-retry-schedule.js";

/** What a reader needs of its worker. */
export interface ReaderParts {
  readonly connection: CommandClient;
  readonly stream: string;
  readonly consumer: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly minIdleMs: number;
  readonly pollMs: number;
  readonly retries: RetrySchedule;
  readonly owners: KeyOwners;
}

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOGROUP");
}

/**
 * The next batch a worker writes, from its stream and consumer group: the entries it still holds
 * (after a restart or an error), entries handed over by another worker, entries of dead workers
 * (XAUTOCLAIM), new entries (blocking when there is nothing else to do), and retries that are due.
 */
export class QueueReader {
  private needsGroup = true;
  /** Re-read the entries this consumer holds: at start (a restart under the same name) and after an error. */
  private recoverOwn = true;
  /** Ids of the batch being read that were taken over from a dead worker (XAUTOCLAIM); the worker clears it. */
  readonly abandoned = new Set<string>();
  private claimCursor = "0-0";
  private nextClaimAt = 0;

  constructor(private readonly parts: ReaderParts) {}

  /** Whether the stream is there (a layout-1 stream is drained, never created); false when Redis cannot tell. */
  async streamExists(): Promise<boolean> {
    try {
      return Number(await this.parts.connection.call("EXISTS", this.parts.stream)) === 1;
    } catch {
      return false;
    }
  }

  /** A read or a write of the worker failed: join the group again if it is gone, and re-read what this consumer holds. */
  recover(error: unknown): void {
    if (isNoGroup(error)) this.needsGroup = true;
    this.recoverOwn = true;
  }

  async next(): Promise<StreamEntry[]> {
    const { connection, stream, consumer, batchSize, owners, retries } = this.parts;
    const found = new Map<string, StreamEntry>();
    const add = (entries: readonly StreamEntry[]): void => entries.forEach((entry) => found.set(entry.id, entry));
    if (this.needsGroup) await this.joinGroup();
    if (this.recoverOwn) {
      const own = await this.readGroup([], "0");
      this.recoverOwn = own.length >= batchSize;
      add(own);
    } else if (owners.holdsAny) add(await this.handedOver(batchSize));
    if (Date.now() >= this.nextClaimAt) {
      const claimed = await this.claimAbandoned();
      for (const entry of claimed) this.abandoned.add(entry.id);
      add(claimed);
    }
    const now = Date.now();
    const due = retries.anyDue(now);
    const block = found.size || due ? [] : ["BLOCK", this.blockMs(now)];
    add(await this.readGroup(block, ">"));

    // Failed entries go again when due, and at once with a newer entry of their key (the newest wins).
    const keysInBatch = new Set([...found.values()].map(queuedKeyOf));
    const again = retries.takeDue(Date.now(), keysInBatch);
    if (again.length)
      add(entriesOfList(await connection.callBuffer("XCLAIM", stream, CONSUMER_GROUP, consumer, 0, ...again)));
    return [...found.values()];
  }

  /** XREADGROUP of up to a batch: `from` "0" re-reads this consumer's own pending entries, ">" new ones. */
  private async readGroup(block: readonly (string | number)[], from: "0" | ">"): Promise<StreamEntry[]> {
    const { connection, stream, consumer, batchSize } = this.parts;
    return entriesOfRead(
      await connection.callBuffer(
        "XREADGROUP",
        "GROUP",
        CONSUMER_GROUP,
        consumer,
        "COUNT",
        batchSize,
        ...block,
        "STREAMS",
        stream,
        from,
      ),
    );
  }

  private async joinGroup(): Promise<void> {
    try {
      await this.parts.connection.call("XGROUP", "CREATE", this.parts.stream, CONSUMER_GROUP, "0", "MKSTREAM");
    } catch (error) {
      // At maxmemory Redis refuses XGROUP CREATE even when the group exists (saves create it with the
      // stream): read anyway; NOGROUP brings the worker back here.
      if (!(error instanceof Error && /^(BUSYGROUP|OOM)/.test(error.message))) throw error;
    }
    this.needsGroup = false;
  }

  /**
   * Entries another worker handed this one (of keys it owns, see OWN): pending to this consumer but
   * neither in flight nor waiting for a retry. Read with XPENDING and XRANGE, which leave their
   * delivery counts (attempts) as they are.
   */
  private async handedOver(count: number): Promise<StreamEntry[]> {
    const { connection, stream, consumer, retries } = this.parts;
    const pending = await connection.call("XPENDING", stream, CONSUMER_GROUP, "-", "+", count, consumer);
    const ids = (Array.isArray(pending) ? pending : [])
      .map((item) => (Array.isArray(item) ? String(item[0]) : ""))
      .filter((id) => id !== "" && !retries.has(id));
    const found = await Promise.all(
      ids.map(async (id) => entriesOfList(await connection.callBuffer("XRANGE", stream, id, id))),
    );
    return found.flat();
  }

  /** Entries another consumer has held longer than minIdleMs: its worker died or hangs. */
  private async claimAbandoned(): Promise<StreamEntry[]> {
    const { connection, stream, consumer, minIdleMs, batchSize, pollMs } = this.parts;
    const reply = await connection.callBuffer(
      "XAUTOCLAIM",
      stream,
      CONSUMER_GROUP,
      consumer,
      minIdleMs,
      this.claimCursor,
      "COUNT",
      batchSize,
    );
    const [next, list] = Array.isArray(reply) ? reply : [];
    this.claimCursor = next === undefined ? "0-0" : Buffer.isBuffer(next) ? next.toString("latin1") : String(next);
    // A full page: claim the rest at once; else look again after a poll.
    this.nextClaimAt = this.claimCursor === "0-0" ? Date.now() + pollMs : 0;
    return entriesOfList(list);
  }

  private blockMs(now: number): number {
    const until = Math.min(now + this.parts.flushIntervalMs, this.nextClaimAt);
    return Math.max(1, this.parts.retries.nextDueBefore(until) - now);
  }
}
