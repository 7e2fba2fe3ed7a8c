/**
 * `cachegen/opentelemetry`: a span and a duration per repository operation, and the `stats()`
 * counters, through `@opentelemetry/api` (an optional peer dependency, imported only here). Named
 * after the semantic conventions for database client operations: span `get User` of kind CLIENT,
 * metric `db.client.operation.duration` (seconds), attributes `db.system.name`,
 * `db.operation.name`, `db.collection.name` (the entity) and `error.type`. With no SDK registered
 * an operation costs a look at the global tracer provider, nothing more.
 */
import {
  context,
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type MeterProvider,
  type TracerProvider,
} from "@opentelemetry/api";
import {
  STATS_HELP,
  STATS_OF_EVENT,
  type EntityInstrumentation,
  type Instrumentation,
  type OperationName,
} from "./instrumentation.js";
import type { CacheEventType, CacheStats } from "./types.js";

export interface OpenTelemetryOptions {
  /** Default: the global one (`trace.setGlobalTracerProvider`, which an SDK's `start()` sets). */
  tracerProvider?: TracerProvider;
  /** Default: the global one (`metrics.setGlobalMeterProvider`). */
  meterProvider?: MeterProvider;
  /** `db.system.name` of every span and metric; default `redis`. */
  dbSystemName?: string;
}

/** The instrumentation scope's name. */
const SCOPE = "cachegen";

/** What the global tracer provider (a proxy) delegates to until an SDK registers one. */
const NO_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/** The counter of each `stats()` figure: its name and unit. */
const COUNTERS: Record<keyof CacheStats, readonly [name: string, unit: string]> = {
  hits: ["cachegen.hits", "{read}"],
  negativeHits: ["cachegen.negative_hits", "{read}"],
  misses: ["cachegen.misses", "{read}"],
  loads: ["cachegen.loads", "{key}"],
  staleHits: ["cachegen.stale_hits", "{read}"],
  coalesced: ["cachegen.coalesced", "{read}"],
  leaseWaits: ["cachegen.lease_waits", "{read}"],
  invalidValues: ["cachegen.invalid_values", "{value}"],
  redisErrors: ["cachegen.redis_errors", "{error}"],
  breakerOpens: ["cachegen.breaker_opens", "{open}"],
  invalidationOverflows: ["cachegen.invalidation_overflows", "{invalidation}"],
  queued: ["cachegen.write_behind.queued", "{write}"],
  flushed: ["cachegen.write_behind.flushed", "{write}"],
  failed: ["cachegen.write_behind.failed", "{write}"],
  deadLettered: ["cachegen.write_behind.dead_lettered", "{write}"],
};

/** The bucket boundaries the conventions advise for `db.client.operation.duration`. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** `error.type`: the class of what the operation rejected with. */
function errorType(error: unknown): string {
  const name = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : "_OTHER";
}

/**
 * OpenTelemetry spans and metrics for the repositories given it as their `instrumentation` option.
 * Each operation (`get`, `getMany`, `getByEmail`, `save`, ...) is a span whose context the
 * operation's own work runs in (so the spans of an instrumented ioredis or database client nest
 * under it) and a `db.client.operation.duration` measurement; the `stats()` figures are counters
 * (`cachegen.hits`, `cachegen.misses`, ..., `cachegen.write_behind.dead_lettered`) with
 * `db.system.name` and `db.collection.name`.
 */
export function openTelemetryInstrumentation(options: OpenTelemetryOptions = {}): Instrumentation {
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const tracer = tracerProvider.getTracer(SCOPE);
  // The global provider is a proxy: an SDK registered later is picked up by the next operation.
  const tracing =
    tracerProvider instanceof ProxyTracerProvider
      ? () => tracerProvider.getDelegate() !== NO_TRACER_PROVIDER
      : () => true;
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  // Unlike the tracer, a meter of the API's no-op provider stays a no-op.
  const metering = meter !== createNoopMeter();
  const system = options.dbSystemName ?? "redis";
  const duration = meter.createHistogram("db.client.operation.duration", {
    description: "Duration of database client operations: one cachegen repository operation, until it settled.",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const counters = new Map(
    Object.entries(COUNTERS).map(([stat, [name, unit]]) => [
      stat as keyof CacheStats,
      meter.createCounter(name, { description: STATS_HELP[stat as keyof CacheStats], unit }),
    ]),
  );

  return {
    entity(entity: string): EntityInstrumentation {
      const attributes: Attributes = { "db.system.name": system, "db.collection.name": entity };
      const byEvent = new Map<string, Counter[]>(
        Object.entries(STATS_OF_EVENT).map(([type, stats]) => [type, stats.map((stat) => counters.get(stat)!)]),
      );
      const byOperation = new Map<OperationName, { span: string; attributes: Attributes }>();
      const operation = (name: OperationName) => {
        let found = byOperation.get(name);
        if (!found) {
          found = { span: `${name} ${entity}`, attributes: { ...attributes, "db.operation.name": name } };
          byOperation.set(name, found);
        }
        return found;
      };
      return {
        operation<T>(name: OperationName, run: () => Promise<T>): Promise<T> {
          const traced = tracing();
          if (!traced && !metering) return run();
          const op = operation(name);
          const span = traced
            ? tracer.startSpan(op.span, { kind: SpanKind.CLIENT, attributes: op.attributes })
            : undefined;
          const started = performance.now();
          // A span of a no-op tracer has an invalid context: nothing worth entering.
          const promise =
            span && trace.isSpanContextValid(span.spanContext())
              ? context.with(trace.setSpan(context.active(), span), run)
              : run();
          promise.then(
            () => {
              duration.record((performance.now() - started) / 1000, op.attributes);
              span?.end();
            },
            (error: unknown) => {
              const type = errorType(error);
              duration.record((performance.now() - started) / 1000, { ...op.attributes, "error.type": type });
              if (!span) return;
              span.setAttribute("error.type", type);
              if (error instanceof Error) span.recordException(error);
              span.setStatus({
                code: SpanStatusCode.ERROR,
                message: error instanceof Error ? error.message : String(error),
              });
              span.end();
            },
          );
          return promise;
        },
        event(type: CacheEventType, times: number): void {
          if (!metering) return;
          const targets = byEvent.get(type);
          if (targets) for (const counter of targets) counter.add(times, attributes);
        },
      };
    },
  };
}
