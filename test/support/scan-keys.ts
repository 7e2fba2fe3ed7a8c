import type { Redis } from "ioredis";

/**
 * Every key matching `pattern` (of `type`, when given), through the whole SCAN cursor: one page is
 * not enough on a Redis that holds other tests' keys (SCAN's COUNT bounds the work per call, not
 * what one call returns).
 */
export async function scanKeys(redis: Redis, pattern: string, type?: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] =
      type === undefined
        ? await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000)
        : await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000, "TYPE", type);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found;
}
