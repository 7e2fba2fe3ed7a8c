/** `<number><unit>`: `512b`, `1kb`, `1.5mb` (1 kb = 1024 bytes). */
export const SIZE_PATTERN = /^(\d+)(?:\.(\d+))?(b|kb|mb)$/;

export const SIZE_EXAMPLES = "examples: 512b, 1kb, 1.5mb";

const UNIT_BYTES = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;

/** Whole bytes (a fraction rounds down), or undefined when `text` is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text);
  if (!match) return undefined;
  const [, whole = "", fraction = "", unit] = match;
  return Math.floor(Number(`${whole}.${fraction || "0"}`) * UNIT_BYTES[unit as keyof typeof UNIT_BYTES]);
}
