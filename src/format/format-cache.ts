import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Text derived from text (formatted files, parsed schema files), by a hash of everything that
 * produced it. Reads are served from one pack file read once per run; `flush` writes what was
 * added.
 */
export interface FormatCache {
  get(hash: string): Promise<string | undefined>;
  /** Kept in memory until `flush`. */
  set(hash: string, text: string): void;
  /** Writes the entries added since the last flush; nothing when there are none. Never rejects. */
  flush(): Promise<void>;
}

/** Shared by every cache in this process by default, so watch mode and repeated runs skip prettier. */
const processMemory = new Map<string, string>();
const memoryLimit = 4_000;

/** `<root>/node_modules/.cache/cachegen/<packName>`: one JSON file for every entry of a project. */
export const packName = "cache-v1.json";

/**
 * Entries a pack keeps beyond those the last writing run used, for what a few edits and reverts
 * need again: at most this many, holding at most as much text as the used entries (so the pack
 * stays within twice the size of one run's entries), and no whole-run entries (`run-...`, see
 * `run-cache.ts`), which only match one exact state of the schemas.
 */
const spareEntries = 2_000;
/** The key prefix of whole-run entries (`run-cache.ts`): never kept as spares. */
export const runKeyPrefix = "run-";
const spareKey = (hash: string) => !hash.startsWith(runKeyPrefix);

interface Pack {
  readonly cachegenCache: 1;
  readonly entries: Record<string, string>;
}

/**
 * A cache in `<root>/node_modules/.cache/cachegen/` (where build tools keep theirs), backed by
 * memory. Without a root, without a `node_modules` folder, or once the folder proves not
 * writable, it lives in memory only: a cache must never be a reason for a run to fail.
 *
 * One pack rather than a file per entry: a no-op run of a 500-entity project reads ~1,500 entries,
 * and one read and `JSON.parse` cost a fraction of 1,500 opens and reads. The pack keeps the
 * entries the last writing run used first, then up to `spareEntries` older ones, so it does not
 * grow with every edit. Two processes writing at once each rename a complete pack into place; the
 * loser's new entries are formatted again by a later run.
 */
export function openFormatCache(projectRoot?: string, memory: Map<string, string> = processMemory): FormatCache {
  let directory = projectRoot === undefined ? undefined : cacheDirectory(projectRoot);
  let pack: Promise<Map<string, string>> | undefined;
  /** Entries read or written through this cache: the ones the next pack keeps first. */
  const used = new Map<string, string>();
  let added = 0;

  const loadPack = () => (pack ??= directory === undefined ? Promise.resolve(new Map()) : readPack(directory));

  return {
    async get(hash) {
      const found = memory.get(hash) ?? (await loadPack()).get(hash);
      if (found !== undefined) {
        used.set(hash, found);
        remember(memory, hash, found);
      }
      return found;
    },
    set(hash, text) {
      used.set(hash, text);
      remember(memory, hash, text);
      added += 1;
    },
    async flush() {
      if (added === 0 || directory === undefined) return;
      added = 0;
      try {
        // Entries another process wrote since this one read the pack are spares too.
        const spare = new Map<string, string>();
        let spareBudget = [...used.values()].reduce((total, text) => total + text.length, 0);
        for (const [hash, text] of [...(await readPack(directory)), ...(await loadPack())]) {
          if (spare.size >= spareEntries) break;
          if (used.has(hash) || spare.has(hash) || !spareKey(hash) || text.length > spareBudget) continue;
          spare.set(hash, text);
          spareBudget -= text.length;
        }
        const kept = new Map([...used, ...spare]);
        const entries = Object.fromEntries(kept);
        pack = Promise.resolve(kept);
        await mkdir(directory, { recursive: true });
        const target = join(directory, packName);
        // Write then rename, so a concurrent reader never sees half a pack.
        const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
        try {
          await writeFile(temporary, JSON.stringify({ cachegenCache: 1, entries } satisfies Pack));
          await rename(temporary, target);
        } finally {
          await rm(temporary, { force: true });
        }
      } catch {
        directory = undefined;
      }
    },
  };
}

/** `<root>/node_modules/.cache/cachegen`, or undefined when the project has no `node_modules` folder. */
export function cacheDirectory(projectRoot: string): string | undefined {
  const nodeModules = join(projectRoot, "node_modules");
  return existsSync(nodeModules) ? join(nodeModules, ".cache", "cachegen") : undefined;
}

/** The pack's entries; none when it is missing or not a pack. */
async function readPack(directory: string): Promise<Map<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(directory, packName), "utf8"));
  } catch {
    return new Map();
  }
  const entries = (parsed as Partial<Pack> | null)?.entries;
  if ((parsed as Partial<Pack> | null)?.cachegenCache !== 1 || typeof entries !== "object" || entries === null) {
    return new Map();
  }
  return new Map(Object.entries(entries).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

function remember(memory: Map<string, string>, hash: string, text: string): void {
  if (memory.size >= memoryLimit && !memory.has(hash)) {
    const oldest = memory.keys().next();
    if (!oldest.done) memory.delete(oldest.value);
  }
  memory.set(hash, text);
}
