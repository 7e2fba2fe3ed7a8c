import { CachegenError } from "./errors.js";
import type { CommandClient } from "./scripts.js";

/** Redis was skipped or failed: not ready, breaker open, timed out, or the command failed. */
export class RedisUnavailableError extends CachegenError {}

export interface BreakerOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
}

export type BreakerTransition = "breaker-open" | "breaker-half-open" | "breaker-closed";

/**
 * Circuit breaker, one per client (shared by every repository on it, see `breakerFor`).
 * closed --threshold consecutive failures--> open --cooldown--> half-open (one probe)
 * --probe ok--> closed | --probe failed--> open.
 */
export class Breaker {
  state: "closed" | "open" | "half-open" = "closed";
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  /** Set once the client has been seen ready: a client that was never ready does not trip it. */
  wasReady = false;

  constructor(readonly options: BreakerOptions) {}

  /** Whether a call may go to Redis now. */
  admit(now: number): { ok: boolean; probe: boolean; transition?: BreakerTransition } {
    if (this.state === "closed") return { ok: true, probe: false };
    if (this.state === "open") {
      if (now - this.openedAt < this.options.cooldownMs) return { ok: false, probe: false };
      this.state = "half-open";
      this.probing = true;
      return { ok: true, probe: true, transition: "breaker-half-open" };
    }
    if (this.probing) return { ok: false, probe: false };
    this.probing = true;
    return { ok: true, probe: true };
  }

  /** Whether a call would be admitted (no state change). */
  wouldAdmit(now: number): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") return now - this.openedAt >= this.options.cooldownMs;
    return !this.probing;
  }

  success(probe: boolean): BreakerTransition | undefined {
    this.failures = 0;
    if (probe) this.probing = false;
    if (this.state !== "closed") {
      this.state = "closed";
      return "breaker-closed";
    }
    return undefined;
  }

  failure(probe: boolean, now: number): BreakerTransition | undefined {
    if (probe) this.probing = false;
    if (this.state === "half-open" && probe) {
      this.state = "open";
      this.openedAt = now;
      return "breaker-open";
    }
    if (this.state !== "closed") return undefined;
    this.failures += 1;
    if (this.failures >= this.options.failureThreshold) {
      this.state = "open";
      this.openedAt = now;
      this.failures = 0;
      return "breaker-open";
    }
    return undefined;
  }
}

const breakers = new WeakMap<object, Breaker>();

/** The breaker of a client; created with the first caller's options. */
export function breakerFor(client: object, options: BreakerOptions): Breaker {
  let breaker = breakers.get(client);
  if (!breaker) {
    breaker = new Breaker(options);
    breakers.set(client, breaker);
  }
  return breaker;
}

/** Why a guarded call has no reply: skipped (not ready, breaker open) or failed (error, timeout). */
export type GuardFailure = { readonly ok: false; readonly error: unknown; readonly skipped: boolean };

export type GuardResult<T> = { readonly ok: true; readonly value: T } | GuardFailure;

export interface GuardHooks {
  onError(error: unknown, op: string): void;
  onTransition(transition: BreakerTransition): void;
}

/** Where a guarded call's outcome goes (the callback form of `RedisGuard.run`). */
export type GuardCallback<T> = (result: GuardResult<T>) => void;

/** One call in flight: settled once, by its reply or by its deadline, whichever comes first. */
class PendingCall {
  settled = false;

  constructor(
    readonly deadline: number,
    readonly op: string,
    readonly probe: boolean,
    readonly done: GuardCallback<never>,
  ) {}
}

/** Compact the queue's array once this many settled calls sit before its head. */
const COMPACT_AT = 1024;

/**
 * The deadlines of a guard's calls in flight, with ONE timer for all of them.
 *
 * Every call of a guard has the same timeout, so deadlines come in the order calls start: the
 * queue is FIFO and only its oldest unsettled call can be due. The timer is armed for that call;
 * when it fires, every call past its deadline times out and the timer is armed for the next. A
 * call settled by its reply is only marked (and dropped from the head when it gets there), so a
 * call costs no timer of its own: a timer and a race per call were a measurable share of a cache hit.
 */
class DeadlineQueue {
  private calls: PendingCall[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = (): void => this.expire();

  constructor(private readonly onTimeout: (call: PendingCall) => void) {}

  add(call: PendingCall): void {
    this.calls.push(call);
    if (!this.timer) this.arm(call.deadline - Date.now());
  }

  /** A call settled by its reply: drops the settled calls at the head (replies mostly come in order). */
  settled(call: PendingCall): void {
    if (this.calls[this.head] !== call) return;
    this.dropSettledHead();
  }

  private expire(): void {
    // `this.timer` stays set while calls time out: a call their callbacks start arms no timer.
    const now = Date.now();
    while (this.head < this.calls.length) {
      const call = this.calls[this.head]!;
      if (!call.settled) {
        if (call.deadline > now) break;
        call.settled = true;
        this.onTimeout(call);
      }
      this.head += 1;
    }
    this.dropSettledHead();
    this.timer = undefined;
    const next = this.calls[this.head];
    if (next) this.arm(next.deadline - now);
  }

  private dropSettledHead(): void {
    const calls = this.calls;
    while (this.head < calls.length && calls[this.head]!.settled) this.head += 1;
    if (this.head === calls.length) {
      calls.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= calls.length) {
      this.calls = calls.slice(this.head);
      this.head = 0;
    }
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, delayMs));
    this.timer.unref();
  }
}

/**
 * Fail-open wrapper around each Redis call: skip at once when the client is not ready (never use
 * ioredis' offline queue) or the breaker is open; bound each call by `timeoutMs`; feed the breaker.
 * Never throws.
 */
export class RedisGuard {
  readonly breaker: Breaker;
  private readonly deadlines = new DeadlineQueue((call) => {
    this.transition(this.breaker.failure(call.probe, Date.now()));
    const error = new RedisUnavailableError(`redis ${call.op} timed out after ${this.timeoutMs} ms`);
    this.hooks.onError(error, call.op);
    call.done({ ok: false, error, skipped: false });
  });

  constructor(
    readonly client: CommandClient,
    readonly timeoutMs: number,
    breakerOptions: BreakerOptions,
    private readonly hooks: GuardHooks,
  ) {
    this.breaker = breakerFor(client, breakerOptions);
  }

  /** Whether a call would be attempted now. */
  available(): boolean {
    return this.client.status === "ready" && this.breaker.wouldAdmit(Date.now());
  }

  run<T>(op: string, fn: (client: CommandClient) => Promise<T>): Promise<GuardResult<T>> {
    return new Promise((resolve) => this.call(op, fn, resolve));
  }

  /**
   * `run` with a callback instead of a promise (the read path's form: no promise of its own).
   * `done` is called exactly once: synchronously when the call is skipped, else on the reply or
   * at the deadline. A reply after the deadline is ignored.
   */
  call<T>(op: string, fn: (client: CommandClient) => Promise<T>, done: GuardCallback<T>): void {
    const now = Date.now();
    if (this.client.status !== "ready") {
      const error = new RedisUnavailableError(`redis client is ${this.client.status}`);
      if (this.breaker.wasReady) this.transition(this.breaker.failure(false, now));
      if (this.breaker.state === "closed" || !this.breaker.wasReady) this.hooks.onError(error, op);
      done({ ok: false, error, skipped: true });
      return;
    }
    this.breaker.wasReady = true;
    const admission = this.breaker.admit(now);
    this.transition(admission.transition);
    if (!admission.ok) {
      done({ ok: false, error: new RedisUnavailableError("circuit breaker open"), skipped: true });
      return;
    }
    let reply: Promise<T>;
    try {
      reply = fn(this.client);
    } catch (error) {
      this.failed(op, admission.probe, error, done);
      return;
    }
    const call = new PendingCall(now + this.timeoutMs, op, admission.probe, done as GuardCallback<never>);
    this.deadlines.add(call);
    reply.then(
      (value) => {
        if (call.settled) return;
        call.settled = true;
        this.deadlines.settled(call);
        this.transition(this.breaker.success(call.probe));
        done({ ok: true, value });
      },
      (error: unknown) => {
        if (call.settled) return;
        call.settled = true;
        this.deadlines.settled(call);
        this.failed(op, call.probe, error, done);
      },
    );
  }

  private failed(op: string, probe: boolean, error: unknown, done: GuardCallback<never>): void {
    this.transition(this.breaker.failure(probe, Date.now()));
    this.hooks.onError(error, op);
    done({ ok: false, error, skipped: false });
  }

  private transition(transition: BreakerTransition | undefined): void {
    if (transition) this.hooks.onTransition(transition);
  }
}
