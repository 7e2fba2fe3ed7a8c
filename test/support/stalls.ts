import { monitorEventLoopDelay, performance } from "node:perf_hooks";

const RESOLUTION_MS = 1;

export interface Timed<T> {
  readonly value: T;
  readonly ms: number;
  /**
   * The longest stall of this process's event loop while `fn` ran: how late a 1 ms timer fired
   * beyond its interval. On a busy machine every timer is late by about this much, so a bound
   * measured in wall time may be exceeded by it without the code under test being at fault.
   */
  readonly stallMs: number;
}

/** Runs `fn`, timing it and measuring the event loop's longest stall meanwhile. */
export async function timeWithStalls<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const delays = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delays.enable();
  const started = performance.now();
  try {
    const value = await fn();
    const stallMs = delays.count ? Math.max(0, delays.max / 1e6 - RESOLUTION_MS) : 0;
    return { value, ms: performance.now() - started, stallMs };
  } finally {
    delays.disable();
  }
}
