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

  /**
   * `value()` for this entity, capped by its `expiresAt` field (an entry never outlives its own
   * expiry, stale window included); undefined when that has passed: the entity is not cached. A
   * null or absent expiresAt caps nothing. Redis TTLs are relative, so the entry can outlive it by
   * the time the write takes to reach Redis (a round trip).
   */
  valueOf(entity: unknown, now = Date.now()): { fresh: number; pttl: number } | undefined {
    const base = this.value();
    const field = this.definition.expiresAt;
    if (field === undefined || typeof entity !== "object" || entity === null) return base;
    const at = (entity as Record<string, unknown>)[field];
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) return base;
    const left = Math.floor(at.getTime() - now);
    if (left <= 0) return undefined;
    return { fresh: Math.min(base.fresh, left), pttl: Math.min(base.pttl, left) };
  }

  /** How long a not-found is remembered (negativeTtl minus up to jitter), or undefined when it is not. */
  notFound(): number | undefined {
    const n = this.definition.negativeTtlMs;
    if (!n) return undefined;
    return Math.max(1, Math.floor(n * (1 - this.definition.jitter * Math.random())));
  }

  /**
   * A write-behind value whose write landed (`entity`, when it is a save): its fresh time and TTL
   * (undefined: its expiresAt has passed, not cached), and how long a tombstone stays (0: dropped).
   */
  landed(entity?: unknown): { value: { fresh: number; pttl: number } | undefined; negative: number } {
    return { value: this.valueOf(entity), negative: this.definition.negativeTtlMs ?? 0 };
  }

  /**
   * The longest an entry lives in Redis (ttl + stale-while-revalidate window): a failed
   * invalidation is retried no longer than this, since the entry has expired by then anyway.
   */
  get entryLifetimeMs(): number {
    return this.definition.ttlMs + (this.definition.staleWhileRevalidateMs ?? 0);
  }
}
