/**
 * Invalidations that failed because Redis was unavailable after a successful source write. They are
 * retried in the background once Redis is available again; an entry is dropped when it expires
 * (by then the stale value has expired too, so staleness is bounded by the TTL either way).
 * Reads of a key with a pending invalidation bypass the cache in this process.
 */
interface Task {
  readonly run: () => Promise<boolean>;
  readonly expires: number;
}

export class RetryQueue {
  private readonly tasks = new Map<string, Task>();
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly available: () => boolean,
    private readonly maxEntries = 10_000,
    private readonly intervalMs = 200,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  has(id: string): boolean {
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
    this.tasks.delete(id);
    this.tasks.set(id, { run, expires: Date.now() + ttlMs });
    while (this.tasks.size > this.maxEntries) {
      const oldest = this.tasks.keys().next();
      if (oldest.done) break;
      this.tasks.delete(oldest.value);
    }
    this.schedule();
  }

  /** Runs every due task once now (when Redis is available). */
  async drain(): Promise<void> {
    if (this.draining || !this.available()) return;
    this.draining = true;
    try {
      for (const [id, task] of [...this.tasks]) {
        if (task.expires <= Date.now()) {
          this.tasks.delete(id);
          continue;
        }
        if (!this.available()) break;
        let done = false;
        try {
          done = await task.run();
        } catch {
          done = false;
        }
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
  }

  private schedule(): void {
    if (this.timer || this.tasks.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
