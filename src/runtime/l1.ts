import type { CommandClient } from "./command-client.js";

interface Entry<T> {
  readonly value: T | null;
  readonly expires: number;
}

/**
 * In-process LRU tier in front of Redis, invalidated across processes by pub/sub. It serves only
 * while its subscription is live (a message missed while disconnected could otherwise leave a stale
 * entry), and is cleared on every (re)subscription. The subscriber is a duplicate of the client,
 * created on first use, unref'd so it never keeps the process alive, and closed by `close()`.
 * Values are cloned on the way out, so callers cannot mutate the cached copy.
 */
export class L1Cache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private subscriber: CommandClient | undefined;
  private live = false;
  private closed = false;
  private generation = 0;

  constructor(
    private readonly client: CommandClient,
    private readonly channel: string,
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** A token to pass to `set`: the set is dropped if any invalidation arrived in between. */
  mark(): number {
    this.ensureSubscribed();
    return this.generation;
  }

  get(key: string): { value: T | null } | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { value: entry.value === null ? null : structuredClone(entry.value) };
  }

  set(key: string, value: T | null, freshUntil: number, mark: number): void {
    if (!this.live || mark !== this.generation) return;
    const expires = Math.min(Date.now() + this.ttlMs, freshUntil);
    if (expires <= Date.now()) return;
    this.entries.delete(key);
    this.entries.set(key, { value: value === null ? null : structuredClone(value), expires });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Local invalidation (the caller also publishes). */
  delete(keys: readonly string[]): void {
    this.generation += 1;
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
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
    this.client.once("end", () => void this.close());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    this.entries.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (!sub) return;
    try {
      if (sub.status === "ready") await sub.quit();
      else sub.disconnect();
    } catch {
      sub.disconnect();
    }
  }
}
