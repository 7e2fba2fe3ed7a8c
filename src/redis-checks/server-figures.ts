import { parseInfo, type ServerInfo } from "./connection.js";
import type { KeyNode } from "./key-nodes.js";

/** A server's counters, from one INFO. Counters (hits, misses, commands, evicted) run since the start or CONFIG RESETSTAT. */
export interface ServerFigures {
  readonly address: string;
  /** When INFO answered, `performance.now()` milliseconds. */
  readonly at: number;
  readonly hits: number;
  readonly misses: number;
  /** Redis's own estimate over its last samples (instantaneous_ops_per_sec). */
  readonly opsPerSecond: number;
  /** total_commands_processed. */
  readonly commands: number;
  readonly usedMemory: number;
  /** 0 when there is no limit. */
  readonly maxmemory: number;
  readonly evicted: number;
  readonly clients: number;
}

/** INFO of every node, read together. */
export async function readServerFigures(nodes: readonly KeyNode[]): Promise<ServerFigures[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const info = parseInfo(await node.redis.info());
      return figuresOf(node.address, info, performance.now());
    }),
  );
}

function figuresOf(address: string, info: ServerInfo, at: number): ServerFigures {
  const count = (field: string) => Number(info.get(field) ?? 0);
  return {
    address,
    at,
    hits: count("keyspace_hits"),
    misses: count("keyspace_misses"),
    opsPerSecond: count("instantaneous_ops_per_sec"),
    commands: count("total_commands_processed"),
    usedMemory: count("used_memory"),
    maxmemory: count("maxmemory"),
    evicted: count("evicted_keys"),
    clients: count("connected_clients"),
  };
}

/** The figures of one server between two INFOs: counters as differences, ops/s over the elapsed time. */
export function figuresBetween(before: ServerFigures, after: ServerFigures): ServerFigures {
  const seconds = Math.max(after.at - before.at, 1) / 1000;
  return {
    ...after,
    hits: after.hits - before.hits,
    misses: after.misses - before.misses,
    commands: after.commands - before.commands,
    opsPerSecond: Math.round((after.commands - before.commands) / seconds),
    evicted: after.evicted - before.evicted,
  };
}

/** Every primary of a cluster as one: counters and memory summed. */
export function totalOf(servers: readonly ServerFigures[]): ServerFigures {
  const sum = (pick: (figures: ServerFigures) => number) =>
    servers.reduce((total, figures) => total + pick(figures), 0);
  return {
    address: "total",
    at: Math.max(...servers.map((figures) => figures.at)),
    hits: sum((figures) => figures.hits),
    misses: sum((figures) => figures.misses),
    opsPerSecond: sum((figures) => figures.opsPerSecond),
    commands: sum((figures) => figures.commands),
    usedMemory: sum((figures) => figures.usedMemory),
    // A node without a limit makes the total unlimited.
    maxmemory: servers.some((figures) => figures.maxmemory === 0) ? 0 : sum((figures) => figures.maxmemory),
    evicted: sum((figures) => figures.evicted),
    clients: sum((figures) => figures.clients),
  };
}
