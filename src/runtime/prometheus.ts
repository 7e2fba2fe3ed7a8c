/**
 * `cachegen/prometheus`: repository metrics in a prom-client registry. The only module of the
 * runtime that imports prom-client (an optional peer dependency): an application that never
 * imports this entry point needs no prom-client.
 */
import { register as defaultRegistry, type Metric, type Registry } from "prom-client";
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
  invalidationOverflows: "invalidation_overflows_total",
  queued: "write_behind_queued_total",
  flushed: "write_behind_flushed_total",
  failed: "write_behind_failed_total",
  deadLettered: "write_behind_dead_lettered_total",
};

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Labels = Record<string, string | number>;
interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}

/**
 * A metric family in a prom-client registry, counted in plain numbers and put in prom-client's
 * form when scraped: prom-client's own counters and histograms hash and check their labels on
 * every update, which cost more than the rest of a hit.
 */
abstract class Family {
  readonly aggregator = "sum";
  abstract readonly type: "counter" | "histogram";

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  protected abstract samples(): Sample[];
  abstract reset(): void;

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }
}

/** Counts by entity; every entity's series exists (at 0) from its first repository on. */
class CounterFamily extends Family {
  readonly type = "counter";
  private readonly counts = new Map<string, { value: number }>();

  /** The count of one entity, to add to. */
  of(entity: string): { value: number } {
    let found = this.counts.get(entity);
    if (!found) this.counts.set(entity, (found = { value: 0 }));
    return found;
  }

  protected samples(): Sample[] {
    return [...this.counts].map(([entity, { value }]) => ({ value, labels: { entity } }));
  }

  reset(): void {
    for (const count of this.counts.values()) count.value = 0;
  }
}

interface Series {
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly buckets: Float64Array;
  failures: number;
}

/** Durations by entity and operation, and the operations that rejected. */
class DurationFamily extends Family {
  readonly type = "histogram";
  private readonly series = new Map<string, { entity: string; operation: string; series: Series }>();

  constructor(
    name: string,
    help: string,
    readonly upperBounds: readonly number[],
    readonly errors: ErrorFamily,
  ) {
    super(name, help);
    errors.durations = this;
  }

  of(entity: string, operation: string): Series {
    const key = `${entity}\0${operation}`;
    let found = this.series.get(key);
    if (!found) {
      const series = { count: 0, sum: 0, buckets: new Float64Array(this.upperBounds.length + 1), failures: 0 };
      this.series.set(key, (found = { entity, operation, series }));
    }
    return found.series;
  }

  observe(series: Series, seconds: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    series.buckets[i]! += 1;
    series.count += 1;
    series.sum += seconds;
  }

  /** Every series, for the errors family. */
  all(): Iterable<{ entity: string; operation: string; series: Series }> {
    return this.series.values();
  }

  protected samples(): Sample[] {
    const samples: Sample[] = [];
    for (const { entity, operation, series } of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.buckets[i]!;
        samples.push({ value: cumulative, labels: { le, entity, operation }, metricName: `${this.name}_bucket` });
      });
      samples.push({
        value: series.count,
        labels: { le: "+Inf", entity, operation },
        metricName: `${this.name}_bucket`,
      });
      samples.push({ value: series.sum, labels: { entity, operation }, metricName: `${this.name}_sum` });
      samples.push({ value: series.count, labels: { entity, operation }, metricName: `${this.name}_count` });
    }
    return samples;
  }

  reset(): void {
    for (const { series } of this.series.values()) {
      series.count = 0;
      series.sum = 0;
      series.buckets.fill(0);
    }
  }
}

/** The failures counted in the duration family's series (only operations that failed have a series here). */
class ErrorFamily extends Family {
  readonly type = "counter";
  durations: DurationFamily | undefined;

  protected samples(): Sample[] {
    return [...(this.durations?.all() ?? [])]
      .filter(({ series }) => series.failures > 0)
      .map(({ entity, operation, series }) => ({ value: series.failures, labels: { entity, operation } }));
  }

  reset(): void {
    for (const { series } of this.durations?.all() ?? []) series.failures = 0;
  }
}

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
  const family = <F extends Family>(kind: abstract new (...args: never[]) => F, name: string, make: () => F): F => {
    const existing: unknown = registry.getSingleMetric(prefix + name);
    if (existing === undefined) {
      const made = make();
      registry.registerMetric(made as unknown as Metric);
      return made;
    }
    if (existing instanceof kind) return existing;
    throw new TypeError(
      `cachegen/prometheus: the registry already has a metric ${prefix}${name} of its own; give prometheusInstrumentation another prefix`,
    );
  };

  const counters = new Map(
    Object.entries(COUNTERS).map(([stat, name]) => [
      stat as keyof CacheStats,
      family(CounterFamily, name, () => new CounterFamily(prefix + name, STATS_HELP[stat as keyof CacheStats])),
    ]),
  );
  const errors = family(
    ErrorFamily,
    "operation_errors_total",
    () => new ErrorFamily(`${prefix}operation_errors_total`, "Repository operations that rejected."),
  );
  const durations = family(
    DurationFamily,
    "operation_duration_seconds",
    () =>
      new DurationFamily(
        `${prefix}operation_duration_seconds`,
        "Time each repository operation took, until its promise settled.",
        options.buckets ?? DEFAULT_BUCKETS,
        errors,
      ),
  );

  return {
    entity(entity: string): EntityInstrumentation {
      const byEvent = new Map(
        Object.entries(STATS_OF_EVENT).map(([type, stats]) => [
          type,
          stats.map((stat) => counters.get(stat)!.of(entity)),
        ]),
      );
      const byOperation = new Map<OperationName, Series>();
      const series = (operation: OperationName): Series => {
        let found = byOperation.get(operation);
        if (!found) byOperation.set(operation, (found = durations.of(entity, operation)));
        return found;
      };
      return {
        operation<T>(name: OperationName, run: () => Promise<T>): Promise<T> {
          const started = performance.now();
          const promise = run();
          promise.then(
            () => durations.observe(series(name), (performance.now() - started) / 1000),
            () => {
              const failed = series(name);
              durations.observe(failed, (performance.now() - started) / 1000);
              failed.failures += 1;
            },
          );
          return promise;
        },
        event(type: CacheEventType, times: number): void {
          const counts = byEvent.get(type);
          if (counts) for (const count of counts) count.value += times;
        },
      };
    },
  };
}
