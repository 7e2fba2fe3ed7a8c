/**
 * `cachegen/prometheus`: repository metrics in a prom-client registry. The only module of the
 * runtime that imports prom-client (an optional peer dependency): an application that never
 * imports this entry point needs no prom-client.
 */
import { Counter, Histogram, register as defaultRegistry, type Registry } from "prom-client";
import {
  STATS_HELP,
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

/** The counter of each `stats()` figure, by its name after the prefix. */
const COUNTERS: Record<keyof CacheStats, string> = {
  hits: "hits_total",
  negativeHits: "negative_hits_total",
  misses: "misses_total",
  loads: "loads_total",
  staleHits: "stale_hits_total",
  coalesced: "coalesced_total",
  leaseWaits: "lease_waits_total",
  invalidValues: "invalid_values_total",
  redisErrors: "redis_errors_total",
  breakerOpens: "breaker_opens_total",
  queued: "write_behind_queued_total",
  flushed: "write_behind_flushed_total",
  failed: "write_behind_failed_total",
  deadLettered: "write_behind_dead_lettered_total",
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
    Object.entries(COUNTERS).map(([stat, name]) => [
      stat as keyof CacheStats,
      metric(
        name,
        (fullName, registers) =>
          new Counter({
            name: fullName,
            help: STATS_HELP[stat as keyof CacheStats],
            labelNames: ["entity"],
            registers,
          }),
      ),
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
