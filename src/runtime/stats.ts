import type { CacheEvent, CacheEventType, CacheStats } from "./types.js";

function emptyStats(): CacheStats {
  return {
    hits: 0, misses: 0, loads: 0, staleHits: 0, coalesced: 0, leaseWaits: 0, negativeHits: 0,
    invalidValues: 0, redisErrors: 0, breakerOpens: 0, queued: 0, flushed: 0, failed: 0, deadLettered: 0,
  };
}

/** Counters plus the `onEvent` callback; a throwing (or rejecting) listener never breaks a call. */
export class Telemetry {
  readonly counters: CacheStats = emptyStats();

  constructor(
    readonly entity: string,
    private readonly listener: ((event: CacheEvent) => void) | undefined,
  ) {}

  count(counter: keyof CacheStats, by = 1): void {
    this.counters[counter] += by;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  emit(type: CacheEventType, fields?: { key?: string | undefined; error?: unknown; detail?: string | undefined }): void {
    if (!this.listener) return;
    const event: CacheEvent = { type, entity: this.entity };
    if (fields?.key !== undefined) event.key = fields.key;
    if (fields?.error !== undefined) event.error = fields.error;
    if (fields?.detail !== undefined) event.detail = fields.detail;
    try {
      const result: unknown = this.listener(event);
      if (result && typeof (result as Promise<unknown>).then === "function") (result as Promise<unknown>).then(undefined, () => undefined);
    } catch {
      // a listener's error is its own
    }
  }

  snapshot(): CacheStats {
    return { ...this.counters };
  }
}
