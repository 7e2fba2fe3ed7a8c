import type { BenchRow, BenchSection, BenchValue } from "../report.js";
import { fmt } from "./context.js";
import type { Machine } from "./machine.js";
import type { PairedResult } from "./measure.js";

export interface RunInfo {
  readonly startedAt: string;
  readonly seconds: number;
  readonly rounds: number;
  readonly durationMs: number;
  readonly machine: Machine;
  readonly loadAverage: readonly [number, number];
}

function cell(value: BenchValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "n/a";
    return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(2);
  }
  return String(value).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The rows of a paired group: throughput ("<unit>/s (median)"), ratio to `baseline`, client CPU per unit. */
export function pairedRows(result: PairedResult, unit: string, baseline: string): BenchRow[] {
  return result.names.map((name, i) => ({
    name,
    [`${unit}/s (median)`]: fmt.int(result.median[i]!),
    [`vs ${baseline} (median ratio)`]: fmt.ratio(result.ratio[i]!),
    "client CPU µs per unit (median)": result.cpuMicros[i]!.toFixed(1),
  }));
}

/** One markdown table: the columns are the row properties, in first-seen order. */
export function markdownTable(section: BenchSection): string {
  const columns: string[] = [];
  for (const row of section.rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const numeric = columns.map((c) =>
    section.rows.every((r) => typeof r[c] === "number" || /^[\d,.]+x?$|^n\/a$/.test(String(r[c] ?? ""))),
  );
  const header = `| ${columns.map((c) => (c === "name" ? "" : c)).join(" | ")} |`;
  const rule = `|${columns.map((c, i) => (numeric[i] && c !== "name" ? " ---: " : " --- ")).join("|")}|`;
  const body = section.rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(" | ")} |`);
  return [header, rule, ...body].join("\n");
}

export function renderMarkdown(run: RunInfo, sections: readonly BenchSection[]): string {
  const m = run.machine;
  const lines = [
    "# cachegen benchmarks",
    "",
    `Run ${run.startedAt} by \`npm run bench\` (${run.seconds.toFixed(0)} s). Benchmarks report; they never fail on a timing.`,
    "",
    `**Machine:** ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, ${m.os}; Node ${m.node}; Redis ${m.redis} at ${m.redisHost}. ` +
      `Load average at start / end: ${run.loadAverage[0].toFixed(2)} / ${run.loadAverage[1].toFixed(2)}.`,
    "",
    `**Method:** each contender runs against the same Redis paired with its group's baseline (the first row), in ${run.rounds} rounds of ${run.durationMs} ms each ` +
      "with a fixed number of operations in flight (closed loop); the order alternates between rounds (baseline first, then contender first). " +
      "A ratio is taken per round (contender / baseline of the same round) and the median over the rounds is reported, as is the median throughput (the baseline's over all its pairs). " +
      "Client CPU is this Node process's user + system CPU time per unit (the Redis server's work is not in it): a steadier view of the client's cost on a busy machine.",
    "",
  ];
  for (const section of sections) {
    lines.push(`## ${section.title}`, "", markdownTable(section), "");
    for (const note of section.notes ?? []) lines.push(`- ${note}`);
    if (section.notes?.length) lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
