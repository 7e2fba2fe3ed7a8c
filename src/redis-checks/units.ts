import { humanDuration } from "../emit/durations.js";

const byteUnits = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** `1536` -> `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${byteUnits[unit]}`;
}

/** A duration to two significant units at most, in the schema's notation: `1h 2m`, `59s`, `250ms`. */
export function roughDuration(ms: number): string {
  const unit = [86_400_000, 3_600_000, 60_000, 1_000].find((size) => ms >= size);
  if (unit === undefined) return humanDuration(Math.round(ms));
  const smaller = { 86_400_000: 3_600_000, 3_600_000: 60_000, 60_000: 1_000, 1_000: 1_000 }[unit]!;
  return humanDuration(Math.round(ms / smaller) * smaller);
}

/** `12345` -> `12,345`: counts in a table. */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** Milliseconds with a precision that suits round trips: `0.12 ms`, `3.4 ms`, `120 ms`. */
export function formatMs(ms: number): string {
  return `${ms < 1 ? ms.toFixed(2) : ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** `0.7512` -> `75.1%`. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
