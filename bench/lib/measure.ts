/**
 * Closed-loop throughput measurement and alternating A/B rounds.
 *
 * Every contender of a group runs for the same time, `concurrency` operations in flight, once per
 * round; the order alternates between rounds (forward, then reverse), so drift of the machine
 * (thermal, other load, Redis memory) hits every contender alike. Ratios are taken per round
 * (contender / baseline in the same round) and the median of those is reported.
 */

export interface Contender {
  readonly name: string;
  /** One operation; `i` is a global counter (use it to pick a key). Resolves when done. */
  op(i: number): Promise<unknown>;
  /** Units of work per operation (e.g. 100 entities per getMany); default 1. */
  readonly unitsPerOp?: number;
}

export interface RoundOptions {
  readonly rounds: number;
  readonly durationMs: number;
  readonly concurrency: number;
  /** Warm-up per contender before the first round (JIT, connections, Lua script cache). */
  readonly warmupMs: number;
}

export interface GroupResult {
  readonly names: readonly string[];
  /** units/s per round, per contender (index as in `names`). */
  readonly perRound: readonly (readonly number[])[];
  /** Median units/s per contender. */
  readonly median: readonly number[];
  /** Median CPU time of this process (user + system) per unit, in µs, per contender. */
  readonly cpuMicros: readonly number[];
}

export interface Throughput {
  /** Units per second. */
  readonly rate: number;
  /** CPU time of this process (user + system) per unit, µs: the client's cost, Redis excluded. */
  readonly cpuMicros: number;
}

/** Runs `op` with `concurrency` in flight for `durationMs`; returns units per second. */
export async function throughput(contender: Contender, concurrency: number, durationMs: number): Promise<number> {
  return (await measure(contender, concurrency, durationMs)).rate;
}

/** Like `throughput`, with the CPU time per unit. */
export async function measure(contender: Contender, concurrency: number, durationMs: number): Promise<Throughput> {
  let next = 0;
  let done = 0;
  let failure: unknown;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  // The deadline is read from the clock, not a timer: an operation that never does I/O (a bug, or a
  // skipped Redis) would otherwise starve the timer forever.
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && failure === undefined) {
      try {
        await contender.op(next++);
      } catch (error) {
        failure = error;
        return;
      }
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (failure !== undefined) throw failure;
  const units = done * (contender.unitsPerOp ?? 1);
  return { rate: units / seconds, cpuMicros: (used.user + used.system) / Math.max(1, units) };
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Alternating rounds over a group of contenders sharing one Redis. */
export async function abRounds(contenders: readonly Contender[], options: RoundOptions): Promise<GroupResult> {
  for (const c of contenders) await throughput(c, options.concurrency, options.warmupMs);
  const perRound: number[][] = [];
  const cpuRounds: number[][] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    const row: number[] = new Array<number>(contenders.length).fill(0);
    const cpuRow: number[] = new Array<number>(contenders.length).fill(0);
    for (const i of order) {
      const m = await measure(contenders[i]!, options.concurrency, options.durationMs);
      row[i] = m.rate;
      cpuRow[i] = m.cpuMicros;
    }
    perRound.push(row);
    cpuRounds.push(cpuRow);
  }
  const names = contenders.map((c) => c.name);
  const medians = names.map((_, i) => median(perRound.map((row) => row[i]!)));
  const cpuMicros = names.map((_, i) => median(cpuRounds.map((row) => row[i]!)));
  return { names, perRound, median: medians, cpuMicros };
}

/** Median over rounds of (contender / baseline), both measured in the same round. */
export function medianRatio(result: GroupResult, contender: number, baseline: number): number {
  return median(result.perRound.map((row) => row[contender]! / row[baseline]!));
}
