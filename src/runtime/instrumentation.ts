import type { CacheEventType, CacheStats } from "./types.js";

/**
 * The public operations a repository reports to its instrumentation: `getBy<Index>` is one per
 * declared index (`getByEmail`). A bounded set: fit for a metric label.
 */
export type OperationName =
  | "get"
  | "getMany"
  | `getBy${string}`
  | `listBy${string}`
  | "refresh"
  | "save"
  | "delete"
  | "invalidate"
  | "invalidateTag"
  | "prime"
  | "primeMany";

/**
 * Watches repositories for metrics and tracing: the `cachegen/prometheus` and
 * `cachegen/opentelemetry` adapters are ones; an application may write its own. Given to a
 * repository as its `instrumentation` option (several as an array). Without one, a repository
 * pays nothing for it.
 */
export interface Instrumentation {
  /** Called once by each repository it is given to, with its entity's name; what it returns watches that repository. */
  entity(name: string): EntityInstrumentation;
}

/** What watches one repository. */
export interface EntityInstrumentation {
  /**
   * Wraps one call of a public operation: must call `run` once, synchronously, and settle as the
   * promise it returns does (a span or a timer goes around it; the call's Redis and source work
   * runs inside, so a tracer's context reaches them).
   */
  operation?<T>(name: OperationName, run: () => Promise<T>): Promise<T>;
  /**
   * `times` occurrences of an event (the `type`s of `CacheEvent`), counted as `stats()` counts them:
   * one `flushed` may cover several queued writes.
   */
  event?(type: CacheEventType, times: number): void;
}

/** The `stats()` counters each event adds to (Events counts them so); other events count in none. */
export const STATS_OF_EVENT: { readonly [T in CacheEventType]?: readonly (keyof CacheStats)[] } = {
  hit: ["hits"],
  "negative-hit": ["hits", "negativeHits"],
  "stale-hit": ["staleHits"],
  miss: ["misses"],
  load: ["loads"],
  coalesced: ["coalesced"],
  "lease-wait": ["leaseWaits"],
  "invalid-value": ["invalidValues"],
  "redis-error": ["redisErrors"],
  "invalidation-overflow": ["invalidationOverflows"],
  "breaker-open": ["breakerOpens"],
  queued: ["queued"],
  flushed: ["flushed"],
  "write-failed": ["failed"],
  "dead-letter": ["deadLettered"],
};

/** What each `stats()` counter counts: the help text of the adapters' counters. */
export const STATS_HELP: Record<keyof CacheStats, string> = {
  hits: "Reads served fresh from Redis or L1 (remembered not-founds included).",
  negativeHits: "Reads served a remembered not-found.",
  misses: "Reads that found nothing usable cached.",
  loads: "Keys loaded from the source.",
  staleHits: "Reads served stale while one refresh ran (stale-while-revalidate).",
  coalesced: "Reads that joined a read of the same key already in flight in this process.",
  leaseWaits: "Reads that waited for another process to fill the key.",
  invalidValues: "Cached values (or values about to be cached) that failed their checks and were dropped.",
  redisErrors: "Redis calls that failed, timed out or were skipped (the call went on without Redis).",
  breakerOpens: "Times the circuit breaker of the Redis client opened.",
  invalidationOverflows:
    "Invalidations the retry queue could not hold: the entity's whole namespace was revoked instead.",
  queued: "Write-behind saves and deletes made durable in Redis.",
  flushed: "Queued writes that reached the source.",
  failed: "Queued writes the source refused (retried).",
  deadLettered: "Queued writes moved to the dead-letter stream.",
};

/** How a repository calls its instrumentation: both hooks present, or none at all. */
export interface Observer {
  operation<T>(name: OperationName, run: () => Promise<T>): Promise<T>;
  event(type: CacheEventType, times: number): void;
}

/** The observer of one entity's repository for the `instrumentation` option; undefined when there is none. */
export function observerFor(
  option: Instrumentation | readonly Instrumentation[] | undefined,
  entity: string,
): Observer | undefined {
  if (option === undefined) return undefined;
  const watchers = (Array.isArray(option) ? option : [option as Instrumentation]).map((i) => i.entity(entity));
  if (watchers.length === 0) return undefined;
  const wrappers = watchers.flatMap((w) => (w.operation ? [w] : [])) as Required<
    Pick<EntityInstrumentation, "operation">
  >[];
  const counters = watchers.flatMap((w) => (w.event ? [w] : [])) as Required<Pick<EntityInstrumentation, "event">>[];
  const [only] = wrappers;
  return {
    operation:
      wrappers.length === 1
        ? (name, run) => only!.operation(name, run)
        : <T>(name: OperationName, run: () => Promise<T>): Promise<T> => {
            let wrapped = run;
            for (let i = wrappers.length - 1; i >= 0; i--) {
              const inner = wrapped;
              const watcher = wrappers[i]!;
              wrapped = () => watcher.operation(name, inner);
            }
            return wrapped();
          },
    event(type: CacheEventType, times: number): void {
      for (const counter of counters) {
        try {
          counter.event(type, times);
        } catch {
          // an instrumentation's error is its own, like a listener's
        }
      }
    },
  };
}
