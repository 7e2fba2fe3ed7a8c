const units: readonly [suffix: string, ms: number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
  ["ms", 1],
];

/** A duration in the schema's own notation: 3_600_000 -> `1h`, 5_400_000 -> `1h 30m`. */
export function humanDuration(ms: number): string {
  if (ms === 0) return "0ms";
  const parts: string[] = [];
  let rest = ms;
  for (const [suffix, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${suffix}`);
      rest -= count * size;
    }
  }
  return parts.join(" ");
}

/** `0.1` -> `10%`. */
export function percentage(fraction: number): string {
  return `${Math.round(fraction * 10_000) / 100}%`;
}
