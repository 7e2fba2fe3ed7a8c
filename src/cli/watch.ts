import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ResolvedConfig } from "../config.js";
import { displayFolder } from "./display.js";
import type { Terminal } from "./terminal.js";

/** Editors save in bursts (write a temporary file, rename it over the schema, chmod): one run per burst. */
const debounceMs = 100;

/** How often the schema files are compared anyway, for changes no watch event reports (some mounts). */
const pollMs = 1000;

/** What the watcher compares: schema files of any case, in the folder and its subfolders. */
const schemaFile = /\.(ya?ml|json)$/i;

/**
 * Runs `regenerate` now and whenever a schema file under the schema folder changes, until Ctrl-C
 * (or SIGTERM), then resolves 0. `regenerate` gets the time of the change on the `performance.now()`
 * clock (0 for the first run: the start of the process).
 *
 * Every folder is watched on its own, not with `fs.watch(..., { recursive: true })`: on Linux that
 * follows files, and loses a file an editor replaces by renaming a new one over it (an atomic save).
 * A folder's watch sees every rename, write, creation and deletion inside it; folders that appear
 * are watched as they are found. An event only prompts a comparison of the files' identity, size
 * and times with the last run's, which also runs every second, so a missed event delays a run by
 * at most that.
 *
 * Only the first run may end watching (by throwing, e.g. for a broken configuration); later
 * failures, schema errors or exceptions, are reported and watching goes on.
 */
export async function watchSchemas(
  config: ResolvedConfig,
  terminal: Terminal,
  regenerate: (started: number) => Promise<number>,
): Promise<number> {
  const schemasDir = resolve(config.root, config.schemasDir);
  let last = await snapshot(schemasDir);
  await regenerate(0);

  const watchers = new Map<string, FSWatcher>();
  const stopped = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onEvent = () => {
    clearTimeout(timer);
    timer = setTimeout(compare, debounceMs);
  };
  const watchFolders = (folders: readonly string[]) => {
    for (const [folder, watcher] of watchers) {
      if (folders.includes(folder)) continue;
      watcher.close();
      watchers.delete(folder);
    }
    for (const folder of folders) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, { signal: stopped.signal }, onEvent);
        // A folder deleted under its watch ends it; the next comparison watches it again if it is back.
        watcher.on("error", () => {
          watcher.close();
          if (watchers.get(folder) === watcher) watchers.delete(folder);
          onEvent();
        });
        watchers.set(folder, watcher);
      } catch {
        // Gone between listing and watching: the next comparison sees that.
      }
    }
  };

  let running = Promise.resolve();
  let comparing = false;
  let again = false;
  const compare = () => {
    if (comparing) {
      again = true;
      return;
    }
    comparing = true;
    running = running.then(async () => {
      do {
        again = false;
        const current = await snapshot(schemasDir);
        watchFolders(current.folders);
        if (current.signature === last.signature || stopped.signal.aborted) continue;
        last = current;
        const started = performance.now();
        terminal.out.line();
        terminal.out.line(terminal.out.style.dim("Change detected, regenerating..."));
        await reportFailures(() => regenerate(started), terminal);
      } while (again && !stopped.signal.aborted);
      comparing = false;
    });
  };

  watchFolders(last.folders);
  const poll = setInterval(compare, pollMs);
  terminal.out.line(`Watching ${displayFolder(terminal.cwd, schemasDir)} for changes (Ctrl-C to stop).`);

  await interrupted();
  stopped.abort();
  clearInterval(poll);
  clearTimeout(timer);
  await running;
  return 0;
}

interface Snapshot {
  /** The schema folder and every folder under it. */
  readonly folders: readonly string[];
  /** Each schema file's path, inode, size and times: a file replaced, rewritten, added or removed changes it. */
  readonly signature: string;
}

async function snapshot(root: string): Promise<Snapshot> {
  const folders: string[] = [];
  const files: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    folders.push(folder);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        await visit(path);
      } else if (schemaFile.test(entry.name)) {
        const stats = await stat(path, { bigint: true }).catch((error: unknown) => {
          if (isGone(error)) return undefined;
          throw error;
        });
        if (stats?.isFile()) files.push(`${path}\0${stats.ino}\0${stats.size}\0${stats.mtimeNs}\0${stats.ctimeNs}`);
      }
    }
  };
  await visit(root);
  return { folders, signature: files.sort().join("\n") };
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function reportFailures(regenerate: () => Promise<number>, terminal: Terminal): Promise<void> {
  try {
    await regenerate();
  } catch (error) {
    terminal.err.line(`cachegen: ${error instanceof Error ? error.message : String(error)}`);
  }
}
