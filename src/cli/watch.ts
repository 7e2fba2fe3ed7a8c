import { watch } from "node:fs";
import { resolve } from "node:path";
import type { ResolvedConfig } from "../config.js";
import { displayFolder } from "./display.js";
import type { Terminal } from "./terminal.js";

/** Editors save in bursts (write, rename, chmod); one run per burst. */
const debounceMs = 100;

/**
 * Runs `regenerate` now and after every change under the schema folder until Ctrl-C (or SIGTERM),
 * then resolves 0. Only the first run may end watching (by throwing, e.g. for a broken
 * configuration); later failures, schema errors or exceptions, are reported and watching goes on.
 */
export async function watchSchemas(
  config: ResolvedConfig,
  terminal: Terminal,
  regenerate: () => Promise<number>,
): Promise<number> {
  await regenerate();

  let running = Promise.resolve();
  let changed = false;
  let timer: NodeJS.Timeout | undefined;
  const runAfterChanges = () => {
    running = running.then(async () => {
      if (!changed) return;
      changed = false;
      terminal.out.line();
      terminal.out.line(terminal.out.style.dim("Change detected, regenerating..."));
      await reportFailures(regenerate, terminal);
    });
  };

  const schemasDir = resolve(config.root, config.schemasDir);
  const shownFolder = displayFolder(terminal.cwd, schemasDir);
  const stop = new AbortController();
  const watcher = watch(schemasDir, { recursive: true, signal: stop.signal }, () => {
    changed = true;
    clearTimeout(timer);
    timer = setTimeout(runAfterChanges, debounceMs);
  });
  watcher.on("error", (error) => terminal.err.line(`cachegen: stopped watching ${shownFolder}: ${error.message}`));
  terminal.out.line(`Watching ${shownFolder} for changes (Ctrl-C to stop).`);

  await interrupted();
  clearTimeout(timer);
  stop.abort();
  await running;
  return 0;
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
