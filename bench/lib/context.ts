import { Redis } from "ioredis";

/** What every runtime bench gets from bench/run.ts. */
export interface BenchContext {
  /** The shared local Redis (every A/B group runs against this one server). */
  readonly redisUrl: { host: string; port: number };
  /** Unique per run; every key a bench writes starts with it (removed at the end). */
  readonly prefix: string;
  readonly rounds: number;
  /** Per contender per round. */
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly log: (line: string) => void;
}

/** The repositories' timeoutMs in the benches: raw ioredis has no timeout at all; 1 s keeps a loaded bench machine from failing reads open. */
export const BENCH_TIMEOUT_MS = 1_000;

/** A fresh ioredis client on the bench Redis, ready. */
export async function connectRedis(
  ctx: Pick<BenchContext, "redisUrl">,
  options: Record<string, unknown> = {},
): Promise<Redis> {
  const redis = new Redis({ ...ctx.redisUrl, lazyConnect: true, maxRetriesPerRequest: 1, ...options });
  await redis.connect();
  return redis;
}

export const fmt = {
  /** 12345.6 -> "12,346" */
  int: (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a"),
  /** 1.2345 -> "1.23x" */
  ratio: (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a"),
};
