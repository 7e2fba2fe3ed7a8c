/**
 * Hit-path overhead of the instrumentation adapters: the generated `ProfileRepository.get` without
 * `instrumentation` against the same repository with `cachegen/prometheus`, with
 * `cachegen/opentelemetry` and no SDK registered (the API's no-ops), and with an SDK (spans through
 * a batch processor to an exporter that drops them, metrics aggregated); the same keys, all hits,
 * 64 and 1 operations in flight, in alternating rounds. Then the same on L1 hits (no Redis round
 * trip: the cheapest get there is, so the adapters' share of it is the largest).
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
import { defineEntity, Repository, type Instrumentation } from "cachegen/runtime";
import { Registry } from "prom-client";
import {
  profileEntity,
  ProfileRepository,
  type Profile,
  type ProfileKey,
  type ProfileSource,
} from "../generated/index.js";
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
  const adapters: [string, Instrumentation | undefined][] = [
    ["no instrumentation", undefined],
    ["cachegen/prometheus", prometheusInstrumentation({ registry: new Registry() })],
    ["cachegen/opentelemetry, no SDK registered", openTelemetryInstrumentation()],
    [
      "cachegen/opentelemetry, SDK (spans batched and dropped)",
      openTelemetryInstrumentation({ tracerProvider, meterProvider }),
    ],
  ];
  const withL1 = defineEntity<Profile, ProfileKey>({
    ...profileEntity,
    l1: { ttlMs: 3_600_000, maxEntries: 2 * ENTITIES },
  });
  const options = (instrumentation: Instrumentation | undefined) => ({
    redis,
    keyPrefix: prefix,
    timeoutMs: BENCH_TIMEOUT_MS,
    source: { load: async ({ id }: ProfileKey) => rows.get(id) ?? null },
    ...(instrumentation ? { instrumentation } : {}),
  });
  const groups = [
    { label: "hit path", concurrencies: [64, 1], make: (i?: Instrumentation) => new ProfileRepository(options(i)) },
    {
      label: "L1 hits (no Redis round trip)",
      concurrencies: [1],
      make: (i?: Instrumentation) => new Repository<Profile, ProfileKey, ProfileSource>(withL1, options(i)),
    },
  ];
  const sections: BenchSection[] = [];
  for (const group of groups) {
    const repos = adapters.map(([name, instrumentation]) => ({ name, repo: group.make(instrumentation) }));
    for (let i = 0; i < ENTITIES; i += 100) await repos[0]!.repo.getMany(ids.slice(i, i + 100));
    // Every repository reads every key once, so each has it in its L1 (where it has one).
    for (const { repo } of repos) for (const id of ids) await repo.get(id);
    const loadsBefore = repos.map(({ repo }) => repo.stats().loads);
    const check = (value: unknown): void => {
      if (value === null || value === undefined) throw new Error("bench: an instrumented hit-path read missed");
    };
    const [baseline, ...contenders] = repos.map(({ name, repo }): Contender => ({
      name: `cachegen get${name === "no instrumentation" ? `, ${name}` : ` + ${name}`}`,
      op: async (i) => check(await repo.get(ids[i % ENTITIES]!)),
    }));
    for (const concurrency of group.concurrencies) {
      ctx.log(`instrumentation, ${group.label}: ${concurrency} in flight`);
      const result = await pairedRounds(baseline!, contenders, {
        rounds: ctx.rounds,
        durationMs: ctx.durationMs,
        warmupMs: ctx.warmupMs,
        concurrency,
      });
      sections.push({
        title: `Instrumentation overhead, ${group.label}, ${concurrency} in flight`,
        rows: pairedRows(result, "gets", "no instrumentation"),
        notes: [
          `Ratios: gets/s with the adapter / gets/s without, measured in the same rounds (${fmt.ratio(1)} = no cost). The client CPU column is the cost per get in this process.`,
          "Every read is a hit on the same ~500-byte Profile entries. Prometheus: a histogram observation and a counter increment per get. OpenTelemetry with no SDK: the API's no-op span and instruments, no context entered. With an SDK: a recorded CLIENT span (batched, then dropped instead of exported), a histogram and a counter point, and the operation run in the span's context.",
        ],
      });
    }
    for (const [i, { name, repo }] of repos.entries()) {
      if (repo.stats().loads !== loadsBefore[i])
        throw new Error(`instrumentation: a measured read of ${name} loaded from the source`);
      await repo.close();
    }
  }
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  redis.disconnect();
  return sections;
}
