import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Formatted text by the hash of what produced it. */
export interface FormatCache {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, formatted: string): Promise<void>;
}

/** Shared by every cache in this process by default, so watch mode and repeated runs skip prettier. */
const processMemory = new Map<string, string>();
const memoryLimit = 2_000;

/**
 * A cache in `<root>/node_modules/.cache/cachegen/format/` (where build tools keep theirs), backed
 * by memory. Without a root, without a `node_modules` folder, or once the folder proves not
 * writable, it lives in memory only: a cache must never be a reason for a run to fail.
 */
export function openFormatCache(projectRoot?: string, memory: Map<string, string> = processMemory): FormatCache {
  const nodeModules = projectRoot === undefined ? undefined : join(projectRoot, "node_modules");
  let directory =
    nodeModules !== undefined && existsSync(nodeModules) ? join(nodeModules, ".cache", "cachegen", "format") : undefined;

  return {
    async get(hash) {
      const remembered = memory.get(hash);
      if (remembered !== undefined || directory === undefined) return remembered;
      try {
        const stored = await readFile(join(directory, hash), "utf8");
        remember(memory, hash, stored);
        return stored;
      } catch {
        return undefined;
      }
    },
    async set(hash, formatted) {
      remember(memory, hash, formatted);
      if (directory === undefined) return;
      try {
        await mkdir(directory, { recursive: true });
        // Write then rename, so a concurrent reader never sees half an entry.
        const temporary = join(directory, `${hash}.${process.pid}.tmp`);
        await writeFile(temporary, formatted);
        await rename(temporary, join(directory, hash));
      } catch {
        directory = undefined;
      }
    },
  };
}

function remember(memory: Map<string, string>, hash: string, formatted: string): void {
  if (memory.size >= memoryLimit) {
    const oldest = memory.keys().next();
    if (!oldest.done) memory.delete(oldest.value);
  }
  memory.set(hash, formatted);
}
