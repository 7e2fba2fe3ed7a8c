import { SCAN_BATCH } from "../redis-checks/key-census.js";
import type { MonitorSnapshot } from "../redis-checks/monitor.js";
import { totalOf, type ServerFigures } from "../redis-checks/server-figures.js";
import { formatBytes, formatCount, formatPercent } from "../redis-checks/units.js";
import { plural } from "./display.js";
import { formatTable } from "./table.js";

const NONE = "—";

/** How the snapshot was taken, for the notes under the tables. */
export interface MonitorView {
  /** The server, password masked. */
  readonly shown: string;
  readonly prefix: string;
  /** Live view: the interval in the schema's notation and the SCAN budget per refresh; undefined for `--once`. */
  readonly live: { readonly interval: string; readonly scanCallsPerNode: number } | undefined;
}

/** The lines of one frame of `cachegen monitor`: the servers, the entities, and what the figures mean. */
export function monitorReport(snapshot: MonitorSnapshot, view: MonitorView): string[] {
  const nodes = snapshot.servers.length;
  const serverRows = snapshot.servers.map(serverRow);
  if (nodes > 1) serverRows.push(serverRow(totalOf(snapshot.servers)));
  const entityRows = snapshot.entities.map(({ keys, current, old, queue }) => [
    keys.entity.name,
    keys.entity.strategy,
    formatCount(current),
    formatCount(old),
    queue === undefined ? NONE : formatCount(queue.queued),
    queue === undefined ? NONE : formatCount(queue.inFlight),
    queue === undefined ? NONE : formatCount(queue.deadLetters),
  ]);
  const window = snapshot.sincePrevious
    ? `during the last ${view.live?.interval ?? "interval"}`
    : "since the server started (or CONFIG RESETSTAT)";
  const ops = snapshot.sincePrevious
    ? "ops/s over the same time"
    : "ops/s as Redis estimates it now (instantaneous_ops_per_sec)";
  const where = nodes === 1 ? "1 node" : `${nodes} cluster primaries`;
  const counting = view.live
    ? `counted incrementally, at most ${view.live.scanCallsPerNode * nodes} SCAN calls (${view.live.scanCallsPerNode} per node) each refresh; ${snapshot.counted ? "shown from the last complete pass" : "first pass under way, so far"}`
    : "one complete pass";
  return [
    `cachegen monitor: ${view.shown}, ${where}, key prefix "${view.prefix}"${view.live ? `, every ${view.live.interval} (Ctrl-C to stop)` : ""}`,
    "",
    ...formatTable(
      ["Node", "Hit ratio", "Hits", "Misses", "Ops/s", "Memory", "Evicted", "Clients"],
      serverRows,
      new Set([1, 2, 3, 4, 6, 7]),
    ),
    "",
    ...formatTable(
      ["Entity", "Strategy", "Keys", "Old keys", "Queue", "In flight", "Dead letters"],
      entityRows,
      new Set([2, 3, 4, 5, 6]),
    ),
    "",
    `Hits, misses and evicted keys ${window}; ${ops}.`,
    `Keys: SCAN MATCH ${snapshot.match} COUNT ${SCAN_BATCH} on ${where}, ${counting}; old keys are in the namespaces of earlier deploys.${snapshot.undeclared > 0 ? ` ${plural(snapshot.undeclared, "other key")} under the prefix belong to no entity in the schemas (see cachegen inspect).` : ""}`,
    "Queue: write-behind entries not yet in the source (XLEN); in flight: delivered to a worker, not acknowledged (XPENDING); dead letters: XLEN of the dead-letter stream.",
  ];
}

function serverRow(figures: ServerFigures): string[] {
  const lookups = figures.hits + figures.misses;
  return [
    figures.address,
    lookups === 0 ? NONE : formatPercent(figures.hits / lookups),
    formatCount(figures.hits),
    formatCount(figures.misses),
    formatCount(figures.opsPerSecond),
    figures.maxmemory > 0
      ? `${formatBytes(figures.usedMemory)} of ${formatBytes(figures.maxmemory)} (${formatPercent(figures.usedMemory / figures.maxmemory)})`
      : `${formatBytes(figures.usedMemory)} (no maxmemory)`,
    formatCount(figures.evicted),
    formatCount(figures.clients),
  ];
}
