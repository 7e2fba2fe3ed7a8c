import type { CommandClient } from "./command-client.js";
import type { Clone } from "./entity-clone.js";

interface Entry<T> {
  readonly key: string;
  /** Let go of (null) once the entry is dropped. */
  value: T | null;
  readonly expires: number;
  /** What it counts against the byte budget: its stored size plus its key. */
  readonly bytes: number;
  /** Its neighbours in the order of use (see `L1Cache.leastRecent`). */
  older: Entry<T> | undefined;
  newer: Entry<T> | undefined;
  /** Set once it left the tier (dropped, replaced, expired, cleared): a slot holding it must look again. */
  dropped: boolean;
}

/**
 * Where a caller remembers the entry its key found last time (a remembered key, see
 * `KeySpace.known`), so the next hit skips the tier's Map: `L1Cache.getKnown`.
 */
export interface L1Slot {
  l1: object | undefined;
}

/** The most an L1 tier holds, in bytes of the values' stored form (plus their keys), whatever `maxEntries` says. */
export const L1_MAX_BYTES = 32 * 1024 * 1024;

/**
 * In-process LRU tier in front of Redis, invalidated across processes by pub/sub. It serves only
 * while its subscription is live (a message missed while disconnected could otherwise leave a stale
 * entry), and is cleared on every (re)subscription. The subscriber is a duplicate of the client,
 * created on first use, unref'd so it never keeps the process alive, and closed by `close()`.
 * Values are cloned on the way out, so callers cannot mutate the cached copy.
 */
export class L1Cache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /**
   * The entries in the order of use, least recent first, as a list through the entries themselves:
   * a hit moves its entry with a few field writes (moving it in the Map's own order, a delete and a
   * set per hit, made the Map rehash every few hundred hits: twice the cost of this list, measured).
   */
  private leastRecent: Entry<T> | undefined;
  private mostRecent: Entry<T> | undefined;
  /**
   * The copy kept and the copy handed out are two functions made by `makeClone`: V8 decides per
   * allocation site whether to allocate objects straight into the old generation, and the kept
   * copies (long-lived) would otherwise teach the hand-out copy's sites to do so, making every
   * hit's short-lived copy an old-generation allocation (about 5x the cost of the copy, measured).
   */
  private readonly keep: Clone<T>;
  private readonly handOut: Clone<T>;
  private bytes = 0;
  private subscriber: CommandClient | undefined;
  private live = false;
  private closed = false;
  private generation = 0;
  /** Closes the tier when the application's client ends; removed by `close()`, so the client keeps no closed tier. */
  private readonly closeOnClientEnd = (): void => void this.close(0);

  constructor(
    private readonly client: CommandClient,
    private readonly channel: string,
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void,
    /** Makes a deep copy function for one value (the entity's compiled clone; see entity-clone.ts). */
    makeClone: () => Clone<T> = () => structuredClone,
    private readonly maxBytes = L1_MAX_BYTES,
  ) {
    this.keep = makeClone();
    this.handOut = makeClone();
  }

  /** A token to pass to `set`: the set is dropped if any invalidation arrived in between. */
  mark(): number {
    this.ensureSubscribed();
    return this.generation;
  }

  /** A copy of the value held for `key` (null: a remembered not-found), or undefined when none is held. */
  get(key: string): T | null | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(key);
    return entry ? this.hit(entry) : undefined;
  }

  /** `get(valueKey)` through `slot`: the entry the slot holds while it is in the tier, else the one the Map has (then kept in the slot). */
  getKnown(valueKey: string, slot: L1Slot): T | null | undefined {
    if (!this.live) return undefined;
    let entry = slot.l1 as Entry<T> | undefined;
    if (entry === undefined || entry.dropped) {
      entry = this.entries.get(valueKey);
      if (!entry) return undefined;
      slot.l1 = entry;
    }
    return this.hit(entry);
  }

  private hit(entry: Entry<T>): T | null | undefined {
    if (entry.expires <= Date.now()) {
      this.drop(entry);
      return undefined;
    }
    if (entry !== this.mostRecent) {
      this.unlink(entry);
      this.append(entry);
    }
    return entry.value === null ? null : this.handOut(entry.value);
  }

  /** Keeps a value read or filled; `storedBytes` is the size of its stored form (what it weighs). */
  set(key: string, value: T | null, freshUntil: number, mark: number, storedBytes: number): void {
    if (!this.live || mark !== this.generation) return;
    const expires = Math.min(Date.now() + this.ttlMs, freshUntil);
    if (expires <= Date.now()) return;
    const bytes = storedBytes + 2 * key.length;
    this.remove(key);
    if (bytes > this.maxBytes / 16) return; // one value never takes a large part of the tier
    const entry: Entry<T> = {
      key,
      value: value === null ? null : this.keep(value),
      expires,
      bytes,
      older: undefined,
      newer: undefined,
      dropped: false,
    };
    this.entries.set(key, entry);
    this.append(entry);
    this.bytes += bytes;
    while ((this.entries.size > this.maxEntries || this.bytes > this.maxBytes) && this.leastRecent) {
      this.drop(this.leastRecent);
    }
  }

  /** Local invalidation (the caller also publishes). */
  delete(keys: readonly string[]): void {
    this.generation += 1;
    for (const key of keys) this.remove(key);
  }

  clear(): void {
    this.generation += 1;
    for (const entry of this.entries.values()) this.release(entry);
    this.entries.clear();
    this.leastRecent = this.mostRecent = undefined;
    this.bytes = 0;
  }

  /** Bytes held (for tests). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.drop(entry);
  }

  private drop(entry: Entry<T>): void {
    this.entries.delete(entry.key);
    this.unlink(entry);
    this.bytes -= entry.bytes;
    this.release(entry);
  }

  /** Marks an entry gone for the slots that may still hold it, and lets go of its value. */
  private release(entry: Entry<T>): void {
    entry.dropped = true;
    entry.value = null;
  }

  /** Takes an entry out of the order of use. */
  private unlink(entry: Entry<T>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.leastRecent = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.mostRecent = entry.older;
    entry.older = entry.newer = undefined;
  }

  /** Puts an entry (not in the order) at its most recent end. */
  private append(entry: Entry<T>): void {
    entry.older = this.mostRecent;
    if (this.mostRecent) this.mostRecent.newer = entry;
    else this.leastRecent = entry;
    this.mostRecent = entry;
  }

  /** Message format: value keys separated by "\n", or "*" for all. */
  static message(keys: readonly string[] | "*"): string {
    return keys === "*" ? "*" : keys.join("\n");
  }

  private ensureSubscribed(): void {
    if (this.subscriber || this.closed) return;
    let sub: CommandClient;
    try {
      sub = this.client.duplicate();
    } catch (error) {
      this.onError(error);
      return;
    }
    this.subscriber = sub;
    const unref = (): void => {
      (sub as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
    };
    const down = (): void => {
      this.live = false;
      this.clear();
    };
    const subscribe = (): void => {
      sub.subscribe(this.channel).then(
        () => {
          if (this.closed) return;
          this.clear();
          this.live = true;
        },
        (error: unknown) => this.onError(error),
      );
    };
    sub.on("connect", unref);
    sub.on("close", down);
    sub.on("reconnecting", down);
    sub.on("end", down);
    sub.on("error", (error) => this.onError(error));
    sub.on("message", (channel, message) => {
      if (channel !== this.channel || typeof message !== "string") return;
      if (message === "*") this.clear();
      else this.delete(message.split("\n"));
    });
    sub.on("ready", subscribe);
    unref();
    if (sub.status === "ready") subscribe();
    else if (sub.status === "wait") sub.connect?.().catch((error: unknown) => this.onError(error));
    this.client.once("end", this.closeOnClientEnd);
  }

  /** Drops every entry and closes the subscriber: QUIT, or a disconnect when Redis does not answer it within `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.live = false;
    this.clear();
    this.client.off?.("end", this.closeOnClientEnd);
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (!sub) return;
    if (sub.status !== "ready") {
      sub.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const quit = sub.quit().then(
      () => true,
      () => false,
    );
    const answered = await Promise.race([quit, timedOut]);
    clearTimeout(timer);
    if (!answered) sub.disconnect();
  }
}
