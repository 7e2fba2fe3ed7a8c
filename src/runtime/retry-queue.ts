/**
 * Invalidations that failed because Redis was unavailable after a successful source write. They are
 * retried in the background once Redis is available again; an entry is dropped when it expires
 * (by then the stale value has expired too, so staleness is bounded by the TTL either way).
 * Reads of a key with a pending invalidation bypass the cache in this process.
 *
 * The queue holds `maxEntries` tasks. When more are owed, none is dropped: they are all replaced
 * by one coarser task (`overflow.run`, e.g. revoking the entity's whole namespace) that covers
 * every task queued before it starts; until it has run, every key counts as pending.
 */
interface Task {
  readonly run: () => Promise<boolean>;
  expires: number;
}

export interface Overflow {
  /** The coarse task standing for every task the queue could not hold; resolves true when done. */
  readonly run: () => Promise<boolean>;
  /** Told once per overflow, with the number of tasks the coarse one replaced. */
  readonly report: (replaced: number) => void;
}

export class RetryQueue {
  private readonly tasks = new Map<string, Task>();
  /** The coarse task after an overflow; `started`: tasks added since are no longer covered by it. */
  private fallback: { readonly task: Task; started: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly available: () => boolean,
    private readonly overflow: Overflow,
    private readonly maxEntries = 10_000,
    private readonly intervalMs = 200,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  /** No task pending, not even an overflow's coarse one. */
  get empty(): boolean {
    return this.tasks.size === 0 && this.fallback === undefined;
  }

  /** Whether the task `id` is pending (every id is while an overflow's coarse task has not run). */
  has(id: string): boolean {
    if (this.fallback) {
      if (this.fallback.task.expires > Date.now()) return true;
      this.fallback = undefined;
    }
    const task = this.tasks.get(id);
    if (!task) return false;
    if (task.expires <= Date.now()) {
      this.tasks.delete(id);
      return false;
    }
    return true;
  }

  /** Queues `run` (replacing an older task with the same id). `run` resolves true when done. */
  add(id: string, run: () => Promise<boolean>, ttlMs: number): void {
    const expires = Date.now() + ttlMs;
    if (this.fallback && !this.fallback.started) {
      this.fallback.task.expires = Math.max(this.fallback.task.expires, expires);
      this.schedule();
      return;
    }
    this.tasks.delete(id);
    this.tasks.set(id, { run, expires });
    if (this.tasks.size > this.maxEntries) {
      let latest = this.fallback?.task.expires ?? expires;
      for (const task of this.tasks.values()) latest = Math.max(latest, task.expires);
      const replaced = this.tasks.size;
      this.tasks.clear();
      this.fallback = { task: { run: this.overflow.run, expires: latest }, started: false };
      this.overflow.report(replaced);
    }
    this.schedule();
  }

  /** Runs every due task once now (when Redis is available): the coarse task first, if any. */
  async drain(): Promise<void> {
    if (this.draining || !this.available()) return;
    this.draining = true;
    try {
      const fallback = this.fallback;
      if (fallback) {
        if (fallback.task.expires <= Date.now()) this.fallback = undefined;
        else {
          fallback.started = true;
          const done = await attempt(fallback.task);
          if (this.fallback === fallback) {
            if (!done) {
              fallback.started = false;
              return;
            }
            this.fallback = undefined;
          }
        }
      }
      for (const [id, task] of [...this.tasks]) {
        if (task.expires <= Date.now()) {
          this.tasks.delete(id);
          continue;
        }
        if (!this.available()) break;
        const done = await attempt(task);
        if (done && this.tasks.get(id) === task) this.tasks.delete(id);
      }
    } finally {
      this.draining = false;
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.tasks.clear();
    this.fallback = undefined;
  }

  private schedule(): void {
    if (this.timer || (this.tasks.size === 0 && !this.fallback)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}

async function attempt(task: Task): Promise<boolean> {
  try {
    return await task.run();
  } catch {
    return false;
  }
}
