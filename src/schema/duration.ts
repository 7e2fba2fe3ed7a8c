/** `<number><unit>`: `500ms`, `30s`, `1.5h`. */
export const DURATION_PATTERN = /^(\d+)(?:\.(\d+))?(ms|s|m|h|d)$/;

export const DURATION_EXAMPLES = "examples: 500ms, 30s, 5m, 1h, 1d";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Milliseconds, or undefined when `text` is not a duration. May be fractional (`1.5ms`): callers
 * decide whether that is allowed. The fraction is scaled as an integer so `1.1s` is exactly 1100.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const [, whole = "", fraction = "", unit] = match;
  const unitMs = UNIT_MS[unit as keyof typeof UNIT_MS];
  const fractionMs = fraction === "" ? 0 : (Number(fraction) * unitMs) / 10 ** fraction.length;
  return Number(whole) * unitMs + fractionMs;
}
