import { compareCodeUnits } from "../compare-code-units.js";
import type { Census } from "../redis-checks/key-census.js";
import type { EntityInspection, NamespaceInspection } from "../redis-checks/inspection.js";
import type { SampleFigures } from "../redis-checks/sample-figures.js";
import { formatBytes, formatCount, roughDuration } from "../redis-checks/units.js";
import { plural } from "./display.js";
import { formatTable } from "./table.js";

const NONE = "—";

/** The table of `cachegen inspect`, then what needs attention: old namespaces, strays, dead letters. */
export function inspectReport(inspections: readonly EntityInspection[], census: Census, prefix: string): string[] {
  const header = [
    "Entity",
    "Strategy",
    "Namespace",
    "Keys",
    "Memory",
    "TTL min / median / max",
    "Old namespaces",
    "Queue",
    "Dead letters",
  ];
  const rows = inspections.map(({ entity, current, old, queue }) => {
    const oldKeys = old.reduce((sum, namespace) => sum + namespace.count, 0);
    return [
      entity.name,
      entity.strategy,
      current.namespace,
      formatCount(current.count),
      memory(current.figures),
      ttlSpread(current.figures),
      old.length === 0 ? NONE : `${formatCount(oldKeys)} in ${old.length}`,
      queue === undefined
        ? NONE
        : `${formatCount(queue.queued)}${queue.inFlight > 0 ? ` (${formatCount(queue.inFlight)} in flight)` : ""}`,
      queue === undefined ? NONE : formatCount(queue.deadLetters),
    ];
  });
  const lines = formatTable(header, rows, new Set([3, 4]));

  const old = inspections.flatMap(({ entity, old }) => old.map((namespace) => ({ entity: entity.name, namespace })));
  lines.push("");
  if (old.length === 0) {
    lines.push("No keys left in old namespaces.");
  } else {
    lines.push(
      "Old namespaces, left by earlier deploys (never read again; they go when their TTLs run out, or delete them with deleteByPrefix from cachegen/runtime):",
    );
    for (const { entity, namespace } of old)
      lines.push(
        `  ${entity} ${namespace.namespace}: ${oldNamespaceFigures(namespace)}: deleteByPrefix(redis, "${namespace.keyPrefix}")`,
      );
  }
  if (census.undeclared.size > 0) {
    lines.push(
      `Keys under "${prefix}" of no entity in the schemas (removed entities?), delete them with deleteByPrefix once nothing uses them:`,
    );
    for (const [hashTag, count] of [...census.undeclared].sort(([a], [b]) => compareCodeUnits(a, b)))
      lines.push(`  ${hashTag}: ${plural(count, "key")}`);
  }
  for (const { entity, queue } of inspections) {
    if (queue === undefined || queue.deadLetters === 0) continue;
    const streams = queue.deadLetterKeys.join(", ");
    lines.push(
      `${entity.name}: ${plural(queue.deadLetters, "write")} the source kept refusing wait in ${streams}; list them with \`cachegen dead-letters ${entity.name}\`, fix the cause, then queue them again with \`cachegen dead-letters ${entity.name} --replay\` (a newer write of a key is kept)`,
    );
  }
  return lines;
}

function memory(figures: SampleFigures | undefined): string {
  if (figures === undefined) return NONE;
  if (figures.memoryBytes === undefined) return "n/a (MEMORY USAGE refused)";
  return `${figures.exact ? "" : "~"}${formatBytes(figures.memoryBytes)}`;
}

function ttlSpread(figures: SampleFigures | undefined): string {
  if (figures === undefined) return NONE;
  const without =
    figures.withoutExpiry === 0 ? "" : `${figures.exact ? "" : "sampled: "}${figures.withoutExpiry} without expiry`;
  if (figures.ttlMs === undefined) return without;
  const { min, median, max } = figures.ttlMs;
  const spread = `${roughDuration(min)} / ${roughDuration(median)} / ${roughDuration(max)}`;
  return without === "" ? spread : `${spread}, ${without}`;
}

function oldNamespaceFigures(namespace: NamespaceInspection): string {
  const parts = [plural(namespace.count, "key")];
  const size = memory(namespace.figures);
  if (size !== NONE) parts.push(size);
  if (namespace.figures !== undefined && namespace.figures.withoutExpiry > 0) {
    parts.push(
      `${namespace.figures.exact ? "" : "sampled: "}${namespace.figures.withoutExpiry} without expiry (these never go by themselves)`,
    );
  }
  return parts.join(", ");
}
