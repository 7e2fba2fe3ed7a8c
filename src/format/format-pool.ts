import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FileLanguage } from "../emit/emit-project.js";
import { formatText } from "./format-file.js";
import type { FormatReply, FormatRequest } from "./format-worker.js";

export interface FormatTask {
  readonly text: string;
  readonly language: FileLanguage;
}

/** Prettier refused one task's text: its error, and which task it was. */
export class FormatTaskError extends Error {
  override readonly name = "FormatTaskError";
  constructor(
    readonly index: number,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * Files a worker must have to be worth its start: each thread loads prettier and warms up its own
 * JIT (V8 compiles prettier's hot code once per isolate, ~3 s of CPU on a background thread).
 */
const filesPerWorker = 100;
const workerScript = new URL("./format-worker.js", import.meta.url);

/**
 * A worker's young generation: prettier's short-lived documents fill V8's default (48 MB) between
 * collections; a third of it costs ~2% more time and ~40 MB less peak memory per worker (500
 * entities with two workers: ~330 MB instead of ~365 MB).
 */
const workerYoungGenerationMb = 16;

/**
 * How many worker threads to format `files` files with. One thread formatting already keeps about
 * 1.4 cores busy (V8 compiles and collects garbage on background threads), and each further thread
 * compiles prettier's hot code again: measured on 2 cores, 500 entities cold took 6.7-7.3 s in
 * this thread, 7.6 s with one worker and 7.6 s with two (and 45% more CPU). So: one worker per two
 * cores, only with 4 cores or more, fewer for fewer files; none when the compiled worker script is
 * not there (running from `src/` under a test runner). `CACHEGEN_FORMAT_THREADS` overrides the
 * count (0: format in the calling thread).
 */
export function formatThreads(files: number): number {
  const override = Number.parseInt(process.env.CACHEGEN_FORMAT_THREADS ?? "", 10);
  const pairsOfCores = Math.floor(availableParallelism() / 2);
  const wanted = Number.isInteger(override)
    ? override
    : pairsOfCores < 2
      ? 0
      : Math.min(pairsOfCores, Math.floor(files / filesPerWorker));
  if (wanted <= 0 || files <= 0 || !existsSync(fileURLToPath(workerScript))) return 0;
  return Math.min(wanted, files);
}

interface PoolWorker {
  readonly worker: Worker;
  /** Set while a `format` call uses the worker. */
  onReply?: ((reply: FormatReply) => void) | undefined;
  onFailure?: ((error: Error) => void) | undefined;
  failure?: Error;
}

/**
 * Prettier in worker threads. Workers start on `start` (so they can load prettier while the
 * schemas are still being read) or on the first `format` that wants them, and end on `close`.
 */
export class FormatPool {
  private readonly workers: PoolWorker[] = [];
  private closing = false;
  /** Tasks formatted by worker threads so far (the rest fell back to this thread). */
  formattedInWorkers = 0;

  /** Starts workers up to `threads` now; each loads prettier and formats a line to warm up. */
  start(threads: number): void {
    while (!this.closing && this.workers.length < threads) this.workers.push(this.spawn());
  }

  /**
   * Formats every task, resolving to the results in task order; rejects with a `FormatTaskError`
   * when prettier refuses a text. Files go to threads as they become free, longest first, so no
   * thread is left with a long file at the end; a thread formats one file at a time, which
   * bounds memory. If the threads themselves fail, the tasks are formatted in this thread.
   */
  async format(tasks: readonly FormatTask[], threads = formatThreads(tasks.length)): Promise<string[]> {
    if (threads > 0) this.start(threads);
    const usable = this.workers.filter((worker) => worker.failure === undefined).slice(0, Math.max(1, tasks.length));
    if (usable.length > 0 && tasks.length > 0) {
      try {
        return await this.formatInWorkers(tasks, usable);
      } catch (error) {
        if (error instanceof FormatTaskError) throw error;
        // A thread died (out of memory, terminated): this thread gives the same bytes, only later.
      }
    }
    return formatHere(tasks);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.splice(0).map(({ worker }) => worker.terminate()));
  }

  private spawn(): PoolWorker {
    const worker = new Worker(workerScript, { resourceLimits: { maxYoungGenerationSizeMb: workerYoungGenerationMb } });
    // A started worker that is never used must not keep the process alive.
    worker.unref();
    const entry: PoolWorker = { worker };
    const fail = (error: Error) => {
      entry.failure ??= error;
      entry.onFailure?.(error);
    };
    worker.on("message", (reply: FormatReply) => entry.onReply?.(reply));
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closing) fail(new Error(`a format worker exited with code ${code}`));
    });
    return entry;
  }

  private formatInWorkers(tasks: readonly FormatTask[], workers: readonly PoolWorker[]): Promise<string[]> {
    const results = new Array<string>(tasks.length);
    const order = [...tasks.keys()].sort((a, b) => (tasks[b]?.text.length ?? 0) - (tasks[a]?.text.length ?? 0));
    let next = 0;
    let done = 0;
    return new Promise<string[]>((resolve, reject) => {
      const settle = (error?: Error) => {
        for (const worker of workers) {
          worker.onReply = undefined;
          worker.onFailure = undefined;
          worker.worker.unref();
        }
        if (error) reject(error);
        else resolve(results);
      };
      const feed = (worker: PoolWorker) => {
        const index = order[next];
        const task = index === undefined ? undefined : tasks[index];
        if (index === undefined || task === undefined) return;
        next += 1;
        worker.worker.postMessage({ id: index, text: task.text, language: task.language } satisfies FormatRequest);
      };
      for (const worker of workers) {
        // Waiting for replies must keep the process alive.
        worker.worker.ref();
        worker.onReply = (reply) => {
          if ("error" in reply) {
            settle(new FormatTaskError(reply.id, new Error(reply.error)));
            return;
          }
          results[reply.id] = reply.formatted;
          this.formattedInWorkers += 1;
          done += 1;
          if (done === tasks.length) settle();
          else feed(worker);
        };
        worker.onFailure = (error) => settle(error);
        if (worker.failure) {
          settle(worker.failure);
          return;
        }
      }
      for (const worker of workers) feed(worker);
    });
  }
}

async function formatHere(tasks: readonly FormatTask[]): Promise<string[]> {
  const results: string[] = [];
  for (const [index, task] of tasks.entries()) {
    try {
      results.push(await formatText(task.text, task.language));
    } catch (error) {
      throw new FormatTaskError(index, error);
    }
  }
  return results;
}
