import type { Observer } from "./instrumentation.js";
import type { CacheEvent, CacheEventType, CacheStats } from "./types.js";

/** The member of CacheEvent whose `type` includes T. */
type EventOf<T extends CacheEventType, E extends CacheEvent = CacheEvent> = E extends unknown
  ? T extends E["type"]
    ? E
    : never
  : never;
type DetailsOf<T extends CacheEventType> = Omit<EventOf<T>, "type" | "entity" | "key">;

function emptyStats(): CacheStats {
  return {
    hits: 0,
    misses: 0,
    loads: 0,
    staleHits: 0,
    coalesced: 0,
    leaseWaits: 0,
    negativeHits: 0,
    invalidValues: 0,
    redisErrors: 0,
    breakerOpens: 0,
    invalidationOverflows: 0,
    queued: 0,
    flushed: 0,
    failed: 0,
    deadLettered: 0,
  };
}

/**
 * Everything a repository reports, in one vocabulary: `record(type, ...)` counts the event in
 * `stats()` and in the instrumentation, and hands it to `onEvent`. A throwing (or rejecting)
 * listener never breaks a call.
 */
export class Events {
  private readonly counters: CacheStats = emptyStats();

  constructor(
    readonly entity: string,
    private readonly listener: ((event: CacheEvent) => void) | undefined,
    private readonly observer?: Observer,
  ) {}

  /**
   * Counts `times` occurrences of `type` (e.g. the queue entries one `flushed` covers) and tells the
   * listener once. Builds no event object when nobody listens (this is every hit's path).
   */
  record<T extends CacheEventType>(type: T, key: EventOf<T>["key"], details?: DetailsOf<T>, times = 1): void {
    this.count(type, times);
    this.observer?.event(type, times);
    if (!this.listener) return;
    const event: { type: T; entity: string; key?: string; error?: unknown; detail?: string } = {
      type,
      entity: this.entity,
    };
    const { error, detail } = (details ?? {}) as { error?: unknown; detail?: string };
    if (key !== undefined) event.key = key;
    if (error !== undefined) event.error = error;
    if (detail !== undefined) event.detail = detail;
    this.tell(event as CacheEvent);
  }

  /** The counters each event adds to (a switch: this runs for every hit); events not listed only reach `onEvent`. */
  private count(type: CacheEventType, times: number): void {
    const c = this.counters;
    switch (type) {
      case "hit":
        c.hits += times;
        break;
      case "negative-hit":
        c.hits += times;
        c.negativeHits += times;
        break;
      case "stale-hit":
        c.staleHits += times;
        break;
      case "miss":
        c.misses += times;
        break;
      case "load":
        c.loads += times;
        break;
      case "coalesced":
        c.coalesced += times;
        break;
      case "lease-wait":
        c.leaseWaits += times;
        break;
      case "invalid-value":
        c.invalidValues += times;
        break;
      case "redis-error":
        c.redisErrors += times;
        break;
      case "breaker-open":
        c.breakerOpens += times;
        break;
      case "invalidation-overflow":
        c.invalidationOverflows += times;
        break;
      case "queued":
        c.queued += times;
        break;
      case "flushed":
        c.flushed += times;
        break;
      case "write-failed":
        c.failed += times;
        break;
      case "dead-letter":
        c.deadLettered += times;
        break;
      case "fill-rejected":
      case "list-too-large":
      case "durability-not-met":
      case "refresh-failed":
      case "breaker-half-open":
      case "breaker-closed":
        break;
      default:
        return type satisfies never;
    }
  }

  snapshot(): CacheStats {
    return { ...this.counters };
  }

  private tell(event: CacheEvent): void {
    try {
      const result: unknown = this.listener!(event);
      if (result && typeof (result as Promise<unknown>).then === "function")
        (result as Promise<unknown>).then(undefined, () => undefined);
    } catch {
      // a listener's error is its own
    }
  }
}
