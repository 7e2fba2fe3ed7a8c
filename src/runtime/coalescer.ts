/** In-process coalescing: concurrent callers for one key share one promise. */
export class Coalescer<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  /** The in-flight promise for `key`, if any. */
  get(key: string): Promise<T> | undefined {
    return this.inflight.get(key);
  }

  /** Runs `fn` unless a call for `key` is in flight; `joined` tells the caller which happened. */
  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.inflight.get(key);
    if (existing) return { promise: existing, joined: true };
    const promise = fn();
    this.register(key, promise);
    return { promise, joined: false };
  }

  /** Registers an externally created promise for `key` (batch loads). */
  register(key: string, promise: Promise<T>): void {
    this.inflight.set(key, promise);
    const done = (): void => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key);
    };
    promise.then(done, done);
  }

  /** Later callers for `key` start afresh (after a write, so they never join an older read). */
  forget(key: string): void {
    this.inflight.delete(key);
  }

  forgetAll(): void {
    this.inflight.clear();
  }
}
