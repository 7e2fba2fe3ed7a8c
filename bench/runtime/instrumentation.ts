/**
 * Hit-path overhead of the instrumentation adapters: the generated `ProfileRepository.get` without
 * `instrumentation` against the same repository with `cachegen/prometheus`, with
 * `cachegen/opentelemetry` and no SDK registered (the API's no-ops), and with an SDK (spans through
 * a batch processor to an exporter that drops them, metrics aggregated); the same keys, all hits,
 * 64 and 1 operations in flight, in alternating rounds.
 */
import { BatchSpanProcessor, BasicTracerProvider, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { openTelemetryInstrumentation } from "cachegen/opentelemetry";
import { prometheusInstrumentation } from "cachegen/prometheus";
import type { Instrumentation } from "cachegen/runtime";
import { Registry } from "prom-client";
import { ProfileRepository } from "../generated/index.js";
import type { BenchSection } from "../report.js";
import { BENCH_TIMEOUT_MS, connectRedis, fmt, type BenchContext } from "../lib/context.js";
import { pairedRounds, type Contender } from "../lib/measure.js";
import { pairedRows } from "../lib/render.js";
import { makeProfile } from "./fixtures.js";

const ENTITIES = 1000;

/** Drops every span it is given (the cost of recording and batching stays, export does not). */
const droppingExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};

export async function runInstrumentationBench(ctx: BenchContext): Promise<BenchSection[]> {
  const prefix = `${ctx.prefix}instr:`;
  const redis = await connectRedis(ctx);
  const profiles = Array.from({ length: ENTITIES }, (_, i) => makeProfile(i));
  const rows = new Map(profiles.map((p) => [p.id, p]));
  const ids = profiles.map((p) => p.id);
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(droppingExporter)] });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
        exportIntervalMillis: 3_600_000,
      }),
    ],
  });
  const repository = (instrumentation?: Instrumentation) =>
    new ProfileRepository({
      redis,
      keyPrefix: prefix,
      timeoutMs: BENCH_TIMEOUT_MS,
      source: { load: async ({ id }) => rows.get(id) ?? null },
      ...(instrumentation ? { instrumentation } : {}),
    });
  const plain = repository();
  const instrumented = {
    "cachegen/prometheus": repository(prometheusInstrumentation({ registry: new Registry() })),
    "cachegen/opentelemetry, no SDK registered": repository(openTelemetryInstrumentation()),
    "cachegen/opentelemetry, SDK (spans batched and dropped)": repository(
      openTelemetryInstrumentation({ tracerProvider, meterProvider }),
    ),
  };
  for (let i = 0; i < ENTITIES; i += 100) await plain.getMany(ids.slice(i, i + 100));

  const check = (value: unknown): void => {
    if (value === null || value === undefined) throw new Error("bench: an instrumented hit-path read missed");
  };
  const baseline: Contender = {
    name: "cachegen get, no instrumentation",
    op: async (i) => check(await plain.get(ids[i % ENTITIES]!)),
  };
  const contenders: Contender[] = Object.entries(instrumented).map(([name, repo]) => ({
    name: `cachegen get + ${name}`,
    op: async (i) => check(await repo.get(ids[i % ENTITIES]!)),
  }));

  const sections: BenchSection[] = [];
  for (const concurrency of [64, 1]) {
    ctx.log(`instrumentation: ${concurrency} in flight`);
    const result = await pairedRounds(baseline, contenders, {
      rounds: ctx.rounds,
      durationMs: ctx.durationMs,
      warmupMs: ctx.warmupMs,
      concurrency,
    });
    sections.push({
      title: `Instrumentation overhead on the hit path, ${concurrency} in flight`,
      rows: pairedRows(result, "gets", "no instrumentation"),
      notes: [
        `Ratios: gets/s with the adapter / gets/s without, measured in the same rounds (${fmt.ratio(1)} = no cost). The client CPU column is the cost per get in this process.`,
        "Every read is a hit on the same ~500-byte Profile entries. Prometheus: a histogram observation and a counter increment per get. OpenTelemetry with no SDK: the API's no-op span and instruments, no context entered. With an SDK: a recorded CLIENT span (batched, then dropped instead of exported), a histogram and a counter point, and the operation run in the span's context.",
      ],
    });
  }
  for (const [name, repo] of Object.entries(instrumented)) {
    if (repo.stats().loads !== 0) throw new Error(`instrumentation: a measured read of ${name} loaded from the source`);
    await repo.close();
  }
  await plain.close();
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  redis.disconnect();
  return sections;
}
