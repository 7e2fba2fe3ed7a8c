import type { EntityDefinition } from "./definition.js";

/** How long entries live: the fresh time and Redis TTL of values, not-found markers, and retries. */
export class TtlPolicy {
  constructor(private readonly definition: EntityDefinition<unknown, unknown>) {}

  /**
   * A value's fresh time (ttl minus up to `jitter` of it, so ttl is an upper bound and entries filled
   * together do not expire together) and its Redis TTL (fresh time + the stale-while-revalidate window).
   */
  value(): { fresh: number; pttl: number } {
    const { ttlMs, jitter } = this.definition;
    const fresh = Math.max(1, Math.floor(ttlMs * (1 - jitter * Math.random())));
    return { fresh, pttl: fresh + (this.definition.staleWhileRevalidateMs ?? 0) };
  }

  /** How long a not-found is remembered (negativeTtl minus up to jitter), or undefined when it is not. */
  notFound(): number | undefined {
    const n = this.definition.negativeTtlMs;
    if (!n) return undefined;
    return Math.max(1, Math.floor(n * (1 - this.definition.jitter * Math.random())));
  }

  /** A write-behind value whose write landed: its fresh time and TTL, and how long a tombstone stays (0: dropped). */
  landed(): { fresh: number; pttl: number; negative: number } {
    return { ...this.value(), negative: this.definition.negativeTtlMs ?? 0 };
  }

  /**
   * The longest an entry lives in Redis (ttl + stale-while-revalidate window): a failed
   * invalidation is retried no longer than this, since the entry has expired by then anyway.
   */
  get entryLifetimeMs(): number {
    return this.definition.ttlMs + (this.definition.staleWhileRevalidateMs ?? 0);
  }
}
