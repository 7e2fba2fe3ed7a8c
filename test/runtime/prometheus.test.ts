import { prometheusInstrumentation } from "cachegen/prometheus";
import type { CacheStats } from "cachegen/runtime";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { runInstrumentedWorkload } from "./instrumentation-workload.js";

/** `name{labels} value` lines of the text exposition format, by `name{labels}`. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

const COUNTER_OF: Record<keyof CacheStats, string> = {
  hits: "cachegen_hits_total",
  negativeHits: "cachegen_negative_hits_total",
  misses: "cachegen_misses_total",
  loads: "cachegen_loads_total",
  staleHits: "cachegen_stale_hits_total",
  coalesced: "cachegen_coalesced_total",
  leaseWaits: "cachegen_lease_waits_total",
  invalidValues: "cachegen_invalid_values_total",
  redisErrors: "cachegen_redis_errors_total",
  breakerOpens: "cachegen_breaker_opens_total",
  invalidationOverflows: "cachegen_invalidation_overflows_total",
  queued: "cachegen_write_behind_queued_total",
  flushed: "cachegen_write_behind_flushed_total",
  failed: "cachegen_write_behind_failed_total",
  deadLettered: "cachegen_write_behind_dead_lettered_total",
};

describe("cachegen/prometheus", () => {
  it("scrapes the exact counts of a known workload, per entity and operation, with no key in any label", async () => {
    const registry = new Registry();
    const result = await runInstrumentedWorkload(prometheusInstrumentation({ registry }));
    const text = await registry.metrics();
    const scraped = samples(text);

    for (const [entity, stats] of Object.entries(result.stats)) {
      for (const [stat, expected] of Object.entries(result.expected[entity]!))
        expect(stats[stat as keyof CacheStats], `${entity} ${stat} (stats)`).toBe(expected);
      for (const [stat, metric] of Object.entries(COUNTER_OF))
        expect(scraped.get(`${metric}{entity="${entity}"}`), `${metric} ${entity}`).toBe(
          stats[stat as keyof CacheStats],
        );
    }
    // What the exact figures cannot fix: the offline client's errors and the refused write's attempts.
    expect(scraped.get('cachegen_redis_errors_total{entity="TeamOffline"}')).toBeGreaterThanOrEqual(2);
    expect(scraped.get('cachegen_write_behind_failed_total{entity="Order"}')).toBeGreaterThanOrEqual(1);

    for (const [entity, operations] of Object.entries(result.operations)) {
      for (const [operation, { calls, errors }] of Object.entries(operations)) {
        const labels = `entity="${entity}",operation="${operation}"`;
        expect(scraped.get(`cachegen_operation_duration_seconds_count{${labels}}`), labels).toBe(calls);
        expect(scraped.get(`cachegen_operation_duration_seconds_bucket{le="+Inf",${labels}}`), labels).toBe(calls);
        expect(scraped.get(`cachegen_operation_duration_seconds_sum{${labels}}`), labels).toBeGreaterThan(0);
        if (errors) expect(scraped.get(`cachegen_operation_errors_total{${labels}}`), labels).toBe(errors);
        else expect(scraped.has(`cachegen_operation_errors_total{${labels}}`), labels).toBe(false);
      }
    }
    const operationSeries = [...scraped.keys()].filter((s) =>
      s.startsWith("cachegen_operation_duration_seconds_count"),
    );
    expect(operationSeries).toHaveLength(
      Object.values(result.operations).reduce((n, operations) => n + Object.keys(operations).length, 0),
    );

    for (const key of result.keys) expect(text).not.toContain(key);
    const labelNames = new Set([...text.matchAll(/[{,](\w+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(["entity", "le", "operation"]);
  });

  it("refuses a registry that has a metric of the same name of its own, naming it", () => {
    const registry = new Registry();
    new Counter({ name: "cachegen_hits_total", help: "the app's own", registers: [registry] });
    expect(() => prometheusInstrumentation({ registry })).toThrow(/cachegen_hits_total.*another prefix/);
    expect(() => prometheusInstrumentation({ registry, prefix: "shop_cache_" })).not.toThrow();
  });

  it("reuses the metrics of a registry it was already given (a second call does not throw)", () => {
    const registry = new Registry();
    const first = prometheusInstrumentation({ registry, prefix: "app_cache_" });
    const second = prometheusInstrumentation({ registry, prefix: "app_cache_" });
    first.entity("User").event?.("hit", 1);
    second.entity("User").event?.("hit", 2);
    return expect(registry.getSingleMetricAsString("app_cache_hits_total")).resolves.toContain(
      'app_cache_hits_total{entity="User"} 3',
    );
  });
});
