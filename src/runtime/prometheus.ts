/**
 * `cachegen/prometheus`: repository metrics in a prom-client registry. The only module of the
 * runtime that imports prom-client (an optional peer dependency): an application that never
 * imports this entry point needs no prom-client.
 */
import { Counter, Histogram, register as defaultRegistry, type Registry } from "prom-client";
import {
  STATS_OF_EVENT,
  type EntityInstrumentation,
  type Instrumentation,
  type OperationName,
} from "./instrumentation.js";
import type { CacheEventType, CacheStats } from "./types.js";

export interface PrometheusOptions {
  /** Where the metrics are registered; default prom-client's global `register`. */
  registry?: Registry;
  /** Prefix of every metric name; default `cachegen_`. */
  prefix?: string;
  /** Buckets of the operation latency histogram, in seconds; default 0.5 ms to 2.5 s. */
  buckets?: number[];
}

/** The counter of each `stats()` figure: its name after the prefix, and its help. */
const COUNTERS: Record<keyof CacheStats, readonly [name: string, help: string]> = {
  hits: ["hits_total", "Reads served fresh from Redis or L1 (remembered not-founds included)."],
  negativeHits: ["negative_hits_total", "Reads served a remembered not-found."],
  misses: ["misses_total", "Reads that found nothing usable cached."],
  loads: ["loads_total", "Keys loaded from the source."],
  staleHits: ["stale_hits_total", "Reads served stale while one refresh ran (stale-while-revalidate)."],
  coalesced: ["coalesced_total", "Reads that joined a read of the same key already in flight in this process."],
  leaseWaits: ["lease_waits_total", "Reads that waited for another process to fill the key."],
  invalidValues: ["invalid_values_total", "Cached values (or values about to be cached) that failed their checks."],
  redisErrors: ["redis_errors_total", "Redis calls that failed, timed out or were skipped (went on without Redis)."],
  breakerOpens: ["breaker_opens_total", "Times the circuit breaker of the Redis client opened."],
  queued: ["write_behind_queued_total", "Write-behind saves and deletes made durable in Redis."],
  flushed: ["write_behind_flushed_total", "Queued writes that reached the source."],
  failed: ["write_behind_failed_total", "Queued writes the source refused (retried)."],
  deadLettered: ["write_behind_dead_lettered_total", "Queued writes moved to the dead-letter stream."],
};

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Prometheus metrics for the repositories given it as their `instrumentation` option: a counter per
 * `stats()` figure (`cachegen_hits_total`, `cachegen_misses_total`, ...), the latency of every
 * operation (`cachegen_operation_duration_seconds`) and its failures
 * (`cachegen_operation_errors_total`). Labels: `entity`, and `operation` where it applies; never a
 * key, so the series stay bounded. Calling it again with the same registry reuses its metrics.
 */
export function prometheusInstrumentation(options: PrometheusOptions = {}): Instrumentation {
  const registry = options.registry ?? defaultRegistry;
  const prefix = options.prefix ?? "cachegen_";
  const metric = <M>(name: string, make: (name: string, registers: Registry[]) => M): M =>
    (registry.getSingleMetric(prefix + name) as M | undefined) ?? make(prefix + name, [registry]);

  const counters = new Map(
    Object.entries(COUNTERS).map(([stat, [name, help]]) => [
      stat as keyof CacheStats,
      metric(name, (fullName, registers) => new Counter({ name: fullName, help, labelNames: ["entity"], registers })),
    ]),
  );
  const duration = metric(
    "operation_duration_seconds",
    (name, registers) =>
      new Histogram({
        name,
        help: "Time each repository operation took, until its promise settled.",
        labelNames: ["entity", "operation"],
        buckets: options.buckets ?? DEFAULT_BUCKETS,
        registers,
      }),
  );
  const errors = metric(
    "operation_errors_total",
    (name, registers) =>
      new Counter({
        name,
        help: "Repository operations that rejected.",
        labelNames: ["entity", "operation"],
        registers,
      }),
  );

  return {
    entity(entity: string): EntityInstrumentation {
      // Bound once per entity, so an event costs a lookup and an add; every series starts at 0.
      const bound = new Map(
        [...counters].map(([stat, counter]) => {
          counter.inc({ entity }, 0);
          return [stat, counter.labels(entity)];
        }),
      );
      const byEvent = new Map(
        Object.entries(STATS_OF_EVENT).map(([type, stats]) => [type, stats.map((stat) => bound.get(stat)!)]),
      );
      const timers = new Map<OperationName, { done(started: number, failed: boolean): void }>();
      const timer = (operation: OperationName) => {
        let found = timers.get(operation);
        if (!found) {
          const histogram = duration.labels(entity, operation);
          const failures = errors.labels(entity, operation);
          found = {
            done(started, failed) {
              histogram.observe((performance.now() - started) / 1000);
              if (failed) failures.inc();
            },
          };
          timers.set(operation, found);
        }
        return found;
      };
      return {
        operation<T>(name: OperationName, run: () => Promise<T>): Promise<T> {
          const started = performance.now();
          const promise = run();
          promise.then(
            () => timer(name).done(started, false),
            () => timer(name).done(started, true),
          );
          return promise;
        },
        event(type: CacheEventType, times: number): void {
          const targets = byEvent.get(type);
          if (targets) for (const counter of targets) counter.inc(times);
        },
      };
    },
  };
}
