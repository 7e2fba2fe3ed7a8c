/** The FAIL script's limit for a write that is only retried (never dead-lettered on attempts). */
export const NO_ATTEMPT_LIMIT = 2 ** 31;

/**
 * When a worker's failed writes go again: backoff per entry (doubled per attempt up to a cap), and
 * for a source that was unreachable (`isRetryable`) no attempt limit until `horizonMs` after the
 * key's first such failure. Per worker, in memory: a worker that claims the entries starts afresh.
 */
export class RetrySchedule {
  /** Failed entries by stream id, with their key and when they go again. */
  private readonly retries = new Map<string, { readonly groupKey: string; readonly dueAt: number }>();
  /** When each key's writes first failed as unreachable. */
  private readonly unreachableSince = new Map<string, number>();

  constructor(
    private readonly settings: {
      readonly baseMs: number;
      readonly maxMs: number;
      readonly horizonMs: number;
      readonly isRetryable: (error: unknown) => boolean;
    },
  ) {}

  /** The attempt limit for a failed write of this key: `maxAttempts`, or none while within the horizon. */
  attemptLimit(groupKey: string, error: unknown, maxAttempts: number, now: number): number {
    if (maxAttempts <= 0 || !this.retryable(error)) return maxAttempts;
    const since = this.unreachableSince.get(groupKey) ?? now;
    this.unreachableSince.set(groupKey, since);
    return now - since < this.settings.horizonMs ? NO_ATTEMPT_LIMIT : maxAttempts;
  }

  /** After the FAIL script: `attempts` > 0 schedules the entries again; otherwise the key's failures are over. */
  settled(groupKey: string, ids: readonly string[], attempts: number): void {
    if (attempts <= 0) {
      this.unreachableSince.delete(groupKey);
      return;
    }
    const { baseMs, maxMs } = this.settings;
    const dueAt = Date.now() + Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 30));
    for (const id of ids) this.retries.set(id, { groupKey, dueAt });
  }

  /** The key's write reached the source. */
  landed(groupKey: string): void {
    this.unreachableSince.delete(groupKey);
  }

  has(id: string): boolean {
    return this.retries.has(id);
  }

  forget(ids: readonly string[]): void {
    for (const id of ids) this.retries.delete(id);
  }

  anyDue(now: number): boolean {
    return [...this.retries.values()].some((retry) => retry.dueAt <= now);
  }

  /** The earliest time a retry is due, or `until` when none is earlier. */
  nextDueBefore(until: number): number {
    for (const retry of this.retries.values()) until = Math.min(until, retry.dueAt);
    return until;
  }

  /** Takes the entries due now, and those of a key with a newer entry in the batch (the newest wins). */
  takeDue(now: number, keysInBatch: ReadonlySet<string>): string[] {
    const due = [...this.retries]
      .filter(([, retry]) => retry.dueAt <= now || keysInBatch.has(retry.groupKey))
      .map(([id]) => id);
    this.forget(due);
    return due;
  }

  /** `isRetryable`, where a classifier that throws counts as "refused". */
  private retryable(error: unknown): boolean {
    try {
      return this.settings.isRetryable(error) === true;
    } catch {
      return false;
    }
  }
}
