import { escapeGlob } from "./key-encoding.js";
import type { RedisClient } from "./types.js";

interface ScanNode {
  scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * Deletes every key starting with `prefix`: `SCAN MATCH <glob-escaped prefix>*` on each node (every
 * master of a Cluster) and `UNLINK`. Never KEYS. On a Cluster keys are unlinked one per command
 * (they may live in different slots). Returns the number of keys removed.
 */
export async function deleteByPrefix(
  redis: RedisClient,
  prefix: string,
  options: { count?: number } = {},
): Promise<number> {
  if (prefix === "") throw new TypeError("cachegen: deleteByPrefix needs a non-empty prefix");
  const match = `${escapeGlob(prefix)}*`;
  const count = options.count ?? 500;
  const cluster = (redis as { isCluster?: boolean }).isCluster === true;
  const nodes: ScanNode[] = cluster
    ? (redis as unknown as { nodes(role: string): ScanNode[] }).nodes("master")
    : [redis as unknown as ScanNode];
  let removed = 0;
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", match, "COUNT", count);
      cursor = next;
      const mine = keys.filter((k) => k.startsWith(prefix));
      if (!mine.length) continue;
      if (cluster) {
        const results = await Promise.all(mine.map((k) => node.call("UNLINK", k)));
        removed += results.reduce<number>((n, r) => n + Number(r), 0);
      } else {
        removed += Number(await node.call("UNLINK", ...mine));
      }
    } while (cursor !== "0");
  }
  return removed;
}
