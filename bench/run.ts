/**
 * `npm run bench`: the runtime benchmarks (hit path, instrumentation overhead, getMany, stampede, write paths) and the
 * generator benchmark (bench/generator.ts), in one run against one local Redis; writes
 * bench/results/latest.md and bench/results/latest.json. Benchmarks report; they never fail on a
 * timing (a bench that crashes is reported, and the run exits 1).
 *
 *   npm run bench                          everything (a few minutes on 2 cores)
 *   npm run bench -- --only=hit,many       some sections: hit, instrumentation, many, stampede, write, compression, cluster, generator
 *   npm run bench -- --only=cluster        getMany(100) and the hit path on a local 3-master cluster it spawns
 *   npm run bench -- --rounds=15 --duration=400   (defaults: 9 rounds of 250 ms)
 *   REDIS_URL=redis://127.0.0.1:6380 DATABASE_URL=postgres://... npm run bench
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { deleteByPrefix } from "cachegen/runtime";
import type { BenchSection } from "./report.js";
import { connectRedis, type BenchContext } from "./lib/context.js";
import { describeMachine } from "./lib/machine.js";
import { renderMarkdown, type RunInfo } from "./lib/render.js";
import { runClusterBench } from "./runtime/cluster.js";
import { runCompressionBench } from "./runtime/compression.js";
import { runGetManyBench } from "./runtime/get-many.js";
import { runHitPathBench } from "./runtime/hit-path.js";
import { runInstrumentationBench } from "./runtime/instrumentation.js";
import { runStampedeBench } from "./runtime/stampede.js";
import { runWriteBench } from "./runtime/write.js";

const SECTIONS = [
  "hit",
  "instrumentation",
  "many",
  "stampede",
  "write",
  "compression",
  "cluster",
  "generator",
] as const;
type SectionName = (typeof SECTIONS)[number];

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv
    .slice(2)
    .find((a) => a.startsWith(prefix))
    ?.slice(prefix.length);
}

function positiveInt(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`bench: --${name} must be a positive integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

function redisTarget(): { host: string; port: number } {
  const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  return { host: url.hostname || "127.0.0.1", port: Number(url.port || 6379) };
}

async function generatorSections(): Promise<BenchSection[]> {
  let module: { runGeneratorBench?: () => Promise<BenchSection | BenchSection[]> };
  try {
    module = (await import("./generator.js")) as typeof module;
  } catch (error) {
    return [
      {
        title: "Generator",
        rows: [{ name: "generate", result: `skipped: bench/generator.ts not available (${(error as Error).message})` }],
      },
    ];
  }
  if (typeof module.runGeneratorBench !== "function") {
    return [
      {
        title: "Generator",
        rows: [{ name: "generate", result: "skipped: bench/generator.ts exports no runGeneratorBench" }],
      },
    ];
  }
  const result = await module.runGeneratorBench();
  return Array.isArray(result) ? result : [result];
}

async function main(): Promise<void> {
  const only = option("only")
    ?.split(",")
    .map((s) => s.trim()) ?? [...SECTIONS];
  for (const name of only) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      console.error(`bench: unknown section ${JSON.stringify(name)} (known: ${SECTIONS.join(", ")})`);
      process.exit(2);
    }
  }
  const selected = new Set(only as SectionName[]);
  const started = Date.now();
  const loadBefore = os.loadavg()[0] ?? 0;
  const ctx: BenchContext = {
    redisUrl: redisTarget(),
    prefix: `cgbench:${randomBytes(4).toString("hex")}:`,
    rounds: positiveInt("rounds", 9),
    durationMs: positiveInt("duration", 250),
    warmupMs: 200,
    log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`),
  };
  const admin = await connectRedis(ctx);
  const machine = await describeMachine(admin);
  ctx.log(`${machine.cores} cores, Node ${machine.node}, Redis ${machine.redis}; keys under ${ctx.prefix}`);

  const sections: BenchSection[] = [];
  let failed = false;
  const benches: [SectionName, string, () => Promise<BenchSection[]>][] = [
    ["hit", "Hit path", () => runHitPathBench(ctx)],
    ["instrumentation", "Instrumentation overhead", () => runInstrumentationBench(ctx)],
    ["many", "getMany", () => runGetManyBench(ctx)],
    ["stampede", "Stampede", () => runStampedeBench(ctx)],
    ["write", "Write paths", () => runWriteBench(ctx)],
    ["compression", "Compression", () => runCompressionBench(ctx)],
    ["cluster", "Redis Cluster", () => runClusterBench(ctx)],
    ["generator", "Generator", generatorSections],
  ];
  try {
    for (const [name, title, run] of benches) {
      if (!selected.has(name)) continue;
      ctx.log(`--- ${title}`);
      try {
        sections.push(...(await run()));
      } catch (error) {
        failed = true;
        console.error(error);
        sections.push({
          title,
          rows: [{ name: "error", message: (error as Error)?.message ?? String(error) }],
          notes: ["This bench crashed; see the console output."],
        });
      }
    }
  } finally {
    const removed = await deleteByPrefix(admin, ctx.prefix).catch(() => 0);
    ctx.log(`removed ${removed} bench keys`);
    admin.disconnect();
  }

  const run: RunInfo = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    rounds: ctx.rounds,
    durationMs: ctx.durationMs,
    machine,
    loadAverage: [loadBefore, os.loadavg()[0] ?? 0],
  };
  const folder = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(folder, { recursive: true });
  const markdown = renderMarkdown(run, sections);
  await writeFile(`${folder}latest.md`, markdown);
  await writeFile(`${folder}latest.json`, `${JSON.stringify({ ...run, sections }, null, 2)}\n`);
  console.log(`\n${markdown}`);
  ctx.log("wrote bench/results/latest.md and bench/results/latest.json");
  if (failed) process.exitCode = 1;
}

await main();
// Peer libraries may keep handles open (timers, sockets); the report is written.
process.exit(process.exitCode ?? 0);
