import { randomUUID } from "node:crypto";
import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { openTelemetryInstrumentation } from "cachegen/opentelemetry";
import { prometheusInstrumentation } from "cachegen/prometheus";
import { deleteByPrefix, type CacheStats } from "cachegen/runtime";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TeamRepository, type Team } from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { runInstrumentedWorkload } from "./instrumentation-workload.js";
import { connect, uniquePrefix } from "./helpers.js";

const COUNTER_OF: Record<keyof CacheStats, string> = {
  hits: "cachegen.hits",
  negativeHits: "cachegen.negative_hits",
  misses: "cachegen.misses",
  loads: "cachegen.loads",
  staleHits: "cachegen.stale_hits",
  coalesced: "cachegen.coalesced",
  leaseWaits: "cachegen.lease_waits",
  invalidValues: "cachegen.invalid_values",
  redisErrors: "cachegen.redis_errors",
  breakerOpens: "cachegen.breaker_opens",
  invalidationOverflows: "cachegen.invalidation_overflows",
  queued: "cachegen.write_behind.queued",
  flushed: "cachegen.write_behind.flushed",
  failed: "cachegen.write_behind.failed",
  deadLettered: "cachegen.write_behind.dead_lettered",
};

/** A tracer and a meter provider of the SDK, each with an in-memory exporter. */
function sdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    tracerProvider,
    meterProvider,
    /** Every data point of the metric `name`, after a collection. */
    async points<T = number>(name: string): Promise<DataPoint<T>[]> {
      await reader.forceFlush();
      const last = exporter.getMetrics().at(-1);
      const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []) as DataPoint<T>[];
    },
    async close() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

describe("cachegen/opentelemetry", () => {
  it("records a CLIENT span, a db.client.operation.duration and the stats() counters of a known workload", async () => {
    const otel = sdk();
    const registry = new Registry();
    const result = await runInstrumentedWorkload([
      openTelemetryInstrumentation({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }),
      prometheusInstrumentation({ registry }),
    ]);

    const spans = otel.spans.getFinishedSpans();
    for (const [entity, operations] of Object.entries(result.operations)) {
      for (const [operation, { calls, errors }] of Object.entries(operations)) {
        const named = spans.filter((s) => s.name === `${operation} ${entity}`);
        expect(named, `${operation} ${entity}`).toHaveLength(calls);
        for (const span of named) {
          expect(span.kind).toBe(SpanKind.CLIENT);
          expect(span.attributes).toMatchObject({
            "db.system.name": "redis",
            "db.collection.name": entity,
            "db.operation.name": operation,
          });
        }
        const failed = named.filter((s) => s.status.code === SpanStatusCode.ERROR);
        expect(failed, `${operation} ${entity} failed`).toHaveLength(errors);
        for (const span of failed) {
          expect(span.attributes["error.type"]).toBe("InvalidKeyError");
          expect(span.events.map((e) => e.name)).toEqual(["exception"]);
        }
      }
    }
    expect(spans).toHaveLength(
      Object.values(result.operations).reduce(
        (n, operations) => n + Object.values(operations).reduce((m, { calls }) => m + calls, 0),
        0,
      ),
    );

    const durations = await otel.points<Histogram>("db.client.operation.duration");
    for (const [entity, operations] of Object.entries(result.operations)) {
      for (const [operation, { calls, errors }] of Object.entries(operations)) {
        const of = durations.filter(
          (p) => p.attributes["db.collection.name"] === entity && p.attributes["db.operation.name"] === operation,
        );
        const count = (failed: boolean) =>
          of
            .filter((p) => (p.attributes["error.type"] !== undefined) === failed)
            .reduce((n, p) => n + p.value.count, 0);
        expect(count(false), `${operation} ${entity}`).toBe(calls - errors);
        expect(count(true), `${operation} ${entity} failed`).toBe(errors);
      }
    }
    expect(durations.every((p) => p.attributes["db.system.name"] === "redis")).toBe(true);

    for (const [entity, stats] of Object.entries(result.stats)) {
      for (const [stat, expected] of Object.entries(result.expected[entity]!))
        expect(stats[stat as keyof CacheStats], `${entity} ${stat}`).toBe(expected);
      for (const [stat, name] of Object.entries(COUNTER_OF)) {
        const points = (await otel.points(name)).filter((p) => p.attributes["db.collection.name"] === entity);
        expect(
          points.reduce((n, p) => n + p.value, 0),
          `${name} ${entity}`,
        ).toBe(stats[stat as keyof CacheStats]);
      }
    }
    // Both instrumentations of the array saw every event.
    expect(await registry.getSingleMetricAsString("cachegen_hits_total")).toContain(
      `cachegen_hits_total{entity="Team"} ${result.stats.Team!.hits}`,
    );
    const everyAttribute = new Set(
      (await otel.points(COUNTER_OF.hits))
        .flatMap((p) => Object.keys(p.attributes))
        .concat(durations.flatMap((p) => Object.keys(p.attributes))),
    );
    expect([...everyAttribute].sort()).toEqual([
      "db.collection.name",
      "db.operation.name",
      "db.system.name",
      "error.type",
    ]);
    await otel.close();
  });

  it("runs the operation inside its span: the caller's span is its parent, the source's work its child", async () => {
    const otel = sdk();
    const tracer = otel.tracerProvider.getTracer("app");
    const prefix = uniquePrefix("otel");
    const redis = await connect();
    const team: Team = { id: randomUUID(), name: "traced" };
    let activeInLoad: string | undefined;
    const teams = new TeamRepository({
      redis,
      keyPrefix: prefix,
      instrumentation: openTelemetryInstrumentation({ tracerProvider: otel.tracerProvider }),
      source: {
        load: async () =>
          tracer.startActiveSpan("SELECT teams", (span) => {
            activeInLoad = span.spanContext().spanId;
            span.end();
            return team;
          }),
      },
    });
    try {
      await tracer.startActiveSpan("GET /teams/:id", async (request) => {
        expect(await teams.get(team.id)).toEqual(team);
        request.end();
      });
      const byName = new Map(otel.spans.getFinishedSpans().map((s) => [s.name, s]));
      const request = byName.get("GET /teams/:id")!;
      const get = byName.get("get Team")!;
      const select = byName.get("SELECT teams")!;
      expect(select.spanContext().spanId).toBe(activeInLoad);
      expect(get.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(select.parentSpanContext?.spanId).toBe(get.spanContext().spanId);
      expect(new Set([request, get, select].map((s) => s.spanContext().traceId)).size).toBe(1);
    } finally {
      await teams.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
      await otel.close();
    }
  });

  it("with no SDK registered, works through the API's no-ops and enters no context; an SDK registered later is used", async () => {
    const prefix = uniquePrefix("otel-noop");
    const redis = await connect();
    const team: Team = { id: randomUUID(), name: "untraced" };
    let activeInLoad: unknown = "unset";
    const teams = new TeamRepository({
      redis,
      keyPrefix: prefix,
      instrumentation: openTelemetryInstrumentation(),
      source: {
        load: async () => {
          activeInLoad = trace.getActiveSpan();
          return team;
        },
      },
    });
    try {
      expect(await teams.get(team.id)).toEqual(team);
      expect(await teams.get(team.id)).toEqual(team);
      expect(activeInLoad).toBeUndefined();
      expect(teams.stats()).toMatchObject({ hits: 1, misses: 1, loads: 1 });

      // An SDK registered later (the global provider is a proxy) is used from the next operation on.
      const otel = sdk();
      trace.setGlobalTracerProvider(otel.tracerProvider);
      try {
        await teams.invalidate(team.id);
        expect(await teams.get(team.id)).toEqual(team);
        const finished = otel.spans.getFinishedSpans();
        expect(finished.map((s) => s.name)).toEqual(["invalidate Team", "get Team"]);
        expect((activeInLoad as Span | undefined)?.spanContext().spanId).toBe(finished[1]!.spanContext().spanId);
      } finally {
        trace.disable();
        await otel.close();
      }
    } finally {
      await teams.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
