/**
 * Generator benchmark (issue 5, "Generator"): `cachegen generate` and `check` on synthetic projects
 * of 10, 100 and 500 entities, each run as a user runs it: `node bin/cachegen.js ...` in a fresh
 * process, in a project folder under the OS temp folder with its own `node_modules/.cache`.
 *
 * - cold generate: no output folder and no format cache (the first run in a fresh clone)
 * - no-op generate / no-op check: nothing changed since the last generate
 * - one schema edited: a new `ttl` in one schema, so that entity's files (and README.md) are
 *   formatted again and everything else comes from the cache
 *
 * Wall time is from spawn to exit (node's start included); peak memory is the child's `maxRSS`
 * (worker threads included), reported by a preloaded probe. Benchmarks report; a goal missed is a
 * note in the report, never a failure.
 *
 * `npx tsx bench/generator.ts [sizes...]` runs it alone and prints the tables.
 * `CACHEGEN_BENCH_BIN=/path/to/bin/cachegen.js` measures another build (e.g. a checkout of main).
 * `CACHEGEN_BENCH_BASELINE_BIN=/path/to/bin/cachegen.js` also measures that build, each round right
 * before or after this one (alternately, on its own copy of the project), and reports this build's
 * times as ratios of the baseline's: on a shared machine, the comparison that load disturbs least.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runCli, type CliRun } from "./generator/run-cli.js";
import { entityName, writeSyntheticProject } from "./generator/synthetic-project.js";
import { median } from "./lib/measure.js";
import { markdownTable } from "./lib/render.js";
import type { BenchRow, BenchSection } from "./report.js";

export interface GeneratorBenchOptions {
  /** Entity counts; default 10, 100, 500. */
  readonly sizes?: readonly number[];
  /** Runs per measurement (the median is reported); default 3 cold, 5 otherwise. */
  readonly repeats?: number;
}

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

const goals = {
  coldMs: 2_500,
  coldAtEntities: 500,
  noOpMs: 500,
  peakRssMb: 400,
  /** Convexity of cost over entity count, as a share of the largest project's cost (see growthSection). */
  superlinearShare: 0.1,
};

type Scenario = "cold generate" | "no-op generate" | "no-op check" | "one schema edited";
const scenarios: readonly Scenario[] = ["cold generate", "no-op generate", "no-op check", "one schema edited"];

interface Measurement {
  readonly entities: number;
  readonly files: number;
  readonly scenario: Scenario;
  readonly runs: readonly CliRun[];
  /** The same scenario run by the baseline build in the same rounds, when there is one. */
  readonly baselineRuns?: readonly CliRun[];
}

export async function runGeneratorBench(options: GeneratorBenchOptions = {}): Promise<BenchSection[]> {
  const sizes = options.sizes ?? [10, 100, 500];
  const notes: string[] = [];
  const bin = process.env.CACHEGEN_BENCH_BIN ?? join(packageRoot, "bin", "cachegen.js");
  if (process.env.CACHEGEN_BENCH_BIN === undefined) notes.push(...ensureBuilt());
  else notes.push(`Measured ${bin} (CACHEGEN_BENCH_BIN), not this checkout.`);
  const baselineBin = process.env.CACHEGEN_BENCH_BASELINE_BIN;
  if (baselineBin !== undefined)
    notes.push(`Baseline: ${baselineBin} (CACHEGEN_BENCH_BASELINE_BIN), run in the same rounds.`);
  const loadBefore = os.loadavg()[0] ?? 0;

  const measurements: Measurement[] = [];
  for (const size of sizes) {
    measurements.push(...(await measureProject(bin, baselineBin, size, options.repeats)));
  }
  const loadAfter = os.loadavg()[0] ?? 0;

  const load = { before: loadBefore, after: loadAfter };
  return [
    goalSection(measurements, load),
    timingSection(measurements, notes, load),
    growthSection(measurements),
    ...(baselineBin === undefined ? [] : [baselineSection(measurements)]),
  ];
}

/** Runs of one build in its own copy of a synthetic project. */
interface Contender {
  readonly bin: string;
  readonly root: string;
  readonly runs: Record<Scenario, CliRun[]>;
}

async function measureProject(
  bin: string,
  baselineBin: string | undefined,
  entities: number,
  repeats?: number,
): Promise<Measurement[]> {
  const contenders: Contender[] = [];
  for (const contenderBin of baselineBin === undefined ? [bin] : [bin, baselineBin]) {
    const runs = { "cold generate": [], "no-op generate": [], "no-op check": [], "one schema edited": [] };
    contenders.push({ bin: contenderBin, root: await writeSyntheticProject(entities), runs });
  }
  const run = async (contender: Contender, args: readonly string[]) => {
    const result = await runCli(contender.bin, contender.root, args);
    if (result.code !== 0) {
      throw new Error(`cachegen ${args.join(" ")} exited ${result.code} on ${entities} entities:\n${result.stderr}`);
    }
    return result;
  };
  /** Each contender once per round, the order alternating, so drifting load affects both alike. */
  const rounds = async (
    count: number,
    scenario: Scenario,
    step: (contender: Contender, round: number) => Promise<CliRun>,
  ) => {
    for (let round = 0; round < count; round += 1) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) contender.runs[scenario].push(await step(contender, round));
    }
  };
  try {
    await rounds(repeats ?? 3, "cold generate", async (contender) => {
      await rm(join(contender.root, "generated"), { recursive: true, force: true });
      await rm(join(contender.root, "node_modules", ".cache"), { recursive: true, force: true });
      return run(contender, ["generate"]);
    });
    await rounds(repeats ?? 5, "no-op generate", async (contender) => {
      const result = await run(contender, ["generate"]);
      if (!/^ +written +0$/m.test(result.stdout)) throw new Error(`a no-op generate wrote files:\n${result.stdout}`);
      return result;
    });
    await rounds(repeats ?? 5, "no-op check", (contender) => run(contender, ["check"]));
    const [measured] = contenders as [Contender, ...Contender[]];
    const files = Number(/(\d+) files?\)/.exec(measured.runs["no-op check"][0]?.stdout ?? "")?.[1] ?? Number.NaN);

    // A ttl no earlier round used, so the edited entity's files really are formatted again.
    const schemaName = `${entityName(0).toLowerCase()}.yaml`;
    const original = await readFile(join(measured.root, "schemas", schemaName), "utf8");
    await rounds(repeats ?? 3, "one schema edited", async (contender, round) => {
      await writeFile(
        join(contender.root, "schemas", schemaName),
        original.replace(/^ttl: .*$/m, `ttl: ${1_000 + round}s`),
      );
      return run(contender, ["generate"]);
    });

    return scenarios.map((scenario) => ({
      entities,
      files,
      scenario,
      runs: measured.runs[scenario],
      ...(contenders[1] === undefined ? {} : { baselineRuns: contenders[1].runs[scenario] }),
    }));
  } finally {
    if (process.env.CACHEGEN_BENCH_KEEP !== "1") {
      await Promise.all(contenders.map(({ root }) => rm(root, { recursive: true, force: true })));
    }
  }
}

/** The goals for the largest project, with each measured range and its ratio to the goal. */
function goalSection(measurements: readonly Measurement[], load: { before: number; after: number }): BenchSection {
  const rows: BenchRow[] = [];
  for (const scenario of ["cold generate", "no-op generate", "no-op check"] as const) {
    const measurement = measurements.find((m) => m.entities === goals.coldAtEntities && m.scenario === scenario);
    if (measurement === undefined) continue;
    const goal = goalOf(scenario, measurement.entities) as number;
    const walls = measurement.runs.map((run) => run.wallMs);
    const wall = median(walls);
    rows.push({
      name: `${measurement.entities} entities: ${scenario}`,
      "median ms": Math.round(wall),
      "range ms": `${Math.round(Math.min(...walls))}-${Math.round(Math.max(...walls))}`,
      "cpu ms": Math.round(median(measurement.runs.map((run) => run.cpuMs))),
      goal: `< ${goal} ms`,
      "median / goal": ratio(wall, goal),
      met: wall < goal,
      ...(measurement.baselineRuns === undefined
        ? {}
        : { "baseline median ms": Math.round(median(measurement.baselineRuns.map((run) => run.wallMs))) }),
    });
  }
  return {
    title: "Generator: goals (issue 15)",
    rows,
    notes: [
      `Wall time from spawn to exit of \`node bin/cachegen.js\` on a synthetic ${goals.coldAtEntities}-entity project (${rows.length > 0 ? "details in the next table" : "not measured: no 500-entity size"}); 1-minute load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after the generator runs (above the core count, the times are stretched by other work).`,
    ],
  };
}

/** This build's median times as ratios of the baseline's, scenario by scenario (below 1: faster). */
function baselineSection(measurements: readonly Measurement[]): BenchSection {
  const rows: BenchRow[] = measurements.flatMap(({ entities, scenario, runs, baselineRuns }) => {
    if (baselineRuns === undefined) return [];
    const pairs = runs.map((run, index) => run.wallMs / (baselineRuns[index]?.wallMs ?? Number.NaN));
    const cpuPairs = runs.map((run, index) => run.cpuMs / (baselineRuns[index]?.cpuMs ?? Number.NaN));
    return [
      {
        name: `${entities} entities: ${scenario}`,
        "this build ms": Math.round(median(runs.map((run) => run.wallMs))),
        "baseline ms": Math.round(median(baselineRuns.map((run) => run.wallMs))),
        "wall ratio (median of rounds)": `${round(median(pairs), 2)}x`,
        "cpu ratio (median of rounds)": `${round(median(cpuPairs), 2)}x`,
      },
    ];
  });
  return {
    title: "Generator: this build vs the baseline build",
    rows,
    notes: [
      "Each round runs both builds back to back (the order alternating), each in its own copy of the project; a ratio is this build's time over the baseline's in the same round, the median over rounds.",
    ],
  };
}

function timingSection(
  measurements: readonly Measurement[],
  buildNotes: readonly string[],
  load: { before: number; after: number },
): BenchSection {
  const rows: BenchRow[] = measurements.map(({ entities, files, scenario, runs }) => {
    const goal = goalOf(scenario, entities);
    const wall = median(runs.map((run) => run.wallMs));
    const rss = Math.max(...runs.map((run) => run.maxRssMb));
    return {
      name: `${entities} entities: ${scenario}`,
      files,
      "median ms": Math.round(wall),
      "min ms": Math.round(Math.min(...runs.map((run) => run.wallMs))),
      "cpu ms": Math.round(median(runs.map((run) => run.cpuMs))),
      "peak RSS MB": Math.round(rss),
      runs: runs.length,
      goal: goal === undefined ? `< ${goals.peakRssMb} MB` : `< ${goal} ms, < ${goals.peakRssMb} MB`,
      met: (goal === undefined || wall < goal) && rss < goals.peakRssMb,
    };
  });
  const cpus = os.cpus();
  const coldGoal = measurements.find((m) => m.entities === goals.coldAtEntities && m.scenario === "cold generate");
  const notes = [
    `Goals: ${goals.coldAtEntities} entities cold < ${goals.coldMs / 1000} s; no-op generate and check < ${goals.noOpMs / 1000} s; peak RSS < ${goals.peakRssMb} MB; growth linear in entities (next table).`,
    `Each run is \`node bin/cachegen.js <command>\` in a fresh process in a synthetic project under ${os.tmpdir()}; "median ms" is wall time from spawn to exit, "cpu ms" user + system time of the child (worker threads included), "peak RSS MB" its maxRSS.`,
    `Machine: ${cpus.length} × ${(cpus[0]?.model ?? "unknown CPU").replace(/\s+/g, " ").trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; 1-minute load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after (above 0 means other work shared the cores).`,
    ...(coldGoal
      ? [
          `${goals.coldAtEntities} entities cold: ${Math.round(median(coldGoal.runs.map((run) => run.wallMs)))} ms wall, ${ratio(median(coldGoal.runs.map((run) => run.wallMs)), goals.coldMs)} the ${goals.coldMs} ms goal.`,
        ]
      : []),
    ...buildNotes,
  ];
  return { title: "Generator: generate and check on synthetic projects", rows, notes };
}

function growthSection(measurements: readonly Measurement[]): BenchSection {
  const sizes = [...new Set(measurements.map((measurement) => measurement.entities))].sort((a, b) => a - b);
  const rows: BenchRow[] = [];
  for (const scenario of scenarios) {
    const points = sizes.flatMap((entities) => {
      const measurement = measurements.find((m) => m.entities === entities && m.scenario === scenario);
      if (!measurement) return [];
      const { runs } = measurement;
      return [
        {
          entities,
          wallMs: median(runs.map((run) => run.wallMs)),
          cpuMs: median(runs.map((run) => run.cpuMs)),
          rssMb: Math.max(...runs.map((run) => run.maxRssMb)),
        },
      ];
    });
    const row: BenchRow = { name: scenario };
    for (const [index, point] of points.entries()) {
      const previous = points[index - 1];
      if (!previous) continue;
      const span = `${previous.entities}→${point.entities}`;
      const per = (from: number, to: number) => (to - from) / (point.entities - previous.entities);
      row[`cpu ms/entity ${span}`] = round(per(previous.cpuMs, point.cpuMs), 2);
      row[`wall ms/entity ${span}`] = round(per(previous.wallMs, point.wallMs), 2);
      row[`MB/entity ${span}`] = round(per(previous.rssMb, point.rssMb), 3);
    }
    const curvature = superlinearShare(points.map((point) => [point.entities, point.cpuMs] as const));
    row["superlinear share %"] = curvature === undefined ? null : round(curvature * 100, 1);
    row.linear = curvature === undefined ? null : curvature <= goals.superlinearShare;
    rows.push(row);
  }
  return {
    title: "Generator: growth per entity",
    rows,
    notes: [
      `Marginal cost per entity between project sizes. Linearity is judged on CPU time (user + system, all threads), which other load on the machine disturbs far less than wall time: "superlinear share" is how far below the straight line from the smallest to the largest project each middle size's cost lies, as a share of the largest project's cost (negative: costs grow slower than linearly, fixed costs being amortized); "linear" allows up to ${goals.superlinearShare * 100}%.`,
      "A no-op run reads every schema file, finds the record of the previous run (keyed by the schemas, the options and a content hash of the generator's code and templates) and checks that the output folder holds exactly the files it recorded, byte for byte, without loading the pipeline; an edited schema misses that record and goes through the pipeline, with the unchanged schema files' parses and unchanged files' formatting from the cache.",
    ],
  };
}

/**
 * For costs `[entities, cost]` sorted by entities: the largest amount by which a middle point lies
 * below the chord from the first point to the last (what a superlinear term adds), over the last
 * point's cost. Undefined for fewer than three points.
 */
function superlinearShare(points: readonly (readonly [number, number])[]): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (points.length < 3 || first === undefined || last === undefined || last[1] <= 0) return undefined;
  const [x1, y1] = first;
  const [x3, y3] = last;
  return Math.max(...points.slice(1, -1).map(([x, y]) => (y1 + ((y3 - y1) * (x - x1)) / (x3 - x1) - y) / y3));
}

function goalOf(scenario: Scenario, entities: number): number | undefined {
  if (scenario === "cold generate") return entities === goals.coldAtEntities ? goals.coldMs : undefined;
  if (scenario === "no-op generate" || scenario === "no-op check") return goals.noOpMs;
  return undefined;
}

/** Builds `dist/` (which bin/cachegen.js runs) when it is older than `src/` or `templates/`. */
function ensureBuilt(): string[] {
  const built = join(packageRoot, "dist", "cli", "main.js");
  const newestSource = Math.max(
    newestModification(join(packageRoot, "src")),
    newestModification(join(packageRoot, "templates")),
  );
  if (existsSync(built) && newestSource <= statSync(built).mtimeMs) return [];
  const tsc = join(packageRoot, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: packageRoot, encoding: "utf8" });
  if (build.status !== 0 && !existsSync(built))
    throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  // As `npm run build:generator` does after tsc: the templates compiled ahead.
  const precompile = join(packageRoot, "scripts", "precompile-templates.mjs");
  const templates = spawnSync(process.execPath, [precompile], { cwd: packageRoot, encoding: "utf8" });
  if (templates.status !== 0) throw new Error(`${precompile} failed:\n${templates.stdout}${templates.stderr}`);
  return build.status === 0 ? [] : ["`npm run build` reported type errors; dist/ was emitted anyway and measured."];
}

function newestModification(folder: string): number {
  return Math.max(
    0,
    ...readdirSync(folder, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
  );
}

function ratio(value: number, goal: number): string {
  return `${round(value / goal, 2)}×`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Standalone: print the sections as markdown tables. */
function printSections(sections: readonly BenchSection[]): void {
  for (const section of sections) {
    console.log(`\n### ${section.title}\n\n${markdownTable(section)}`);
    for (const note of section.notes ?? []) console.log(`\n${note}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((size) => size > 0);
  printSections(await runGeneratorBench(sizes.length > 0 ? { sizes } : {}));
}
