/**
 * Closed-loop throughput measurement and alternating A/B rounds.
 *
 * Each contender is measured against the baseline in its own pair: both run for the same time,
 * `concurrency` operations in flight, once per round; the order alternates between rounds
 * (baseline first, then contender first), so drift of the machine (thermal, other load, Redis
 * memory) hits both alike. Ratios are taken per round (contender / baseline in the same round) and
 * the median of those is reported.
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

interface GroupResult {
  readonly names: readonly string[];
  /** units/s per round, per contender (index as in `names`). */
  readonly perRound: readonly (readonly number[])[];
  /** CPU µs per unit per round, per contender. */
  readonly cpuPerRound: readonly (readonly number[])[];
  /** Median units/s per contender. */
  readonly median: readonly number[];
  /** Median CPU time of this process (user + system) per unit, in µs, per contender. */
  readonly cpuMicros: readonly number[];
}

/** The baseline and each contender, each contender measured in its own pair with the baseline. */
export interface PairedResult {
  /** The baseline first, then the contenders. */
  readonly names: readonly string[];
  /** Median units/s (the baseline's over the rounds of every pair). */
  readonly median: readonly number[];
  /** Median over its pair's rounds of contender / baseline in the same round (1 for the baseline). */
  readonly ratio: readonly number[];
  /** Median CPU time of this process (user + system) per unit, in µs. */
  readonly cpuMicros: readonly number[];
}

interface Throughput {
  /** Units per second. */
  readonly rate: number;
  /** CPU time of this process (user + system) per unit, µs: the client's cost, Redis excluded. */
  readonly cpuMicros: number;
}

/** Runs `op` with `concurrency` in flight for `durationMs`; returns units per second. */
async function throughput(contender: Contender, concurrency: number, durationMs: number): Promise<number> {
  return (await measure(contender, concurrency, durationMs)).rate;
}

/** Like `throughput`, with the CPU time per unit. */
async function measure(contender: Contender, concurrency: number, durationMs: number): Promise<Throughput> {
  let next = 0;
  let done = 0;
  let failure: unknown;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  // The deadline is read from the clock, not a timer: an operation that never does I/O (a bug, or a
  // skipped Redis) would otherwise starve the timer forever. Not before every operation: a clock
  // read costs ~75 ns here, an eighth of an L1 hit; it is read about every 20 us of operations.
  let checkEvery = 1;
  let sinceCheck = 0;
  let over = false;
  const timeIsUp = (): boolean => {
    if (over || ++sinceCheck < checkEvery) return over;
    sinceCheck = 0;
    const now = performance.now();
    over = now >= deadline;
    checkEvery = Math.max(1, Math.floor((done / Math.max(1, now - started)) * 0.02));
    return over;
  };
  const worker = async (): Promise<void> => {
    while (!timeIsUp() && failure === undefined) {
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
async function abRounds(contenders: readonly Contender[], options: RoundOptions): Promise<GroupResult> {
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
  return { names, perRound, cpuPerRound: cpuRounds, median: medians, cpuMicros };
}

/**
 * Every contender against `baseline` in a pair of its own (`abRounds` of the two). Pairs rather
 * than one group of all: in one group a contender's slot follows different neighbours (their
 * garbage, their JIT state), and on the 2-core bench machine the same contender's ratio moved by
 * up to 20% depending on which other contenders were in the group.
 */
export async function pairedRounds(
  baseline: Contender,
  contenders: readonly Contender[],
  options: RoundOptions,
): Promise<PairedResult> {
  const baseRates: number[] = [];
  const baseCpu: number[] = [];
  const rows: { rate: number; ratio: number; cpu: number }[] = [];
  for (const contender of contenders) {
    const pair = await abRounds([baseline, contender], options);
    for (let r = 0; r < pair.perRound.length; r++) {
      baseRates.push(pair.perRound[r]![0]!);
      baseCpu.push(pair.cpuPerRound[r]![0]!);
    }
    rows.push({ rate: pair.median[1]!, ratio: medianRatio(pair, 1, 0), cpu: pair.cpuMicros[1]! });
  }
  return {
    names: [baseline.name, ...contenders.map((c) => c.name)],
    median: [median(baseRates), ...rows.map((r) => r.rate)],
    ratio: [1, ...rows.map((r) => r.ratio)],
    cpuMicros: [median(baseCpu), ...rows.map((r) => r.cpu)],
  };
}

/** Median over rounds of (contender / baseline), both measured in the same round. */
function medianRatio(result: GroupResult, contender: number, baseline: number): number {
  return median(result.perRound.map((row) => row[contender]! / row[baseline]!));
}
