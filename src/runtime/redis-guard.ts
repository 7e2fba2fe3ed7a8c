import { CachegenError } from "./errors.js";
import type { CommandClient } from "./command-client.js";
import { reconnectIfDemoted } from "./demoted-primary.js";
import { isWrongTypeReply } from "./replies.js";
import { schemeHint, watchSchemeOf } from "./scheme-hint.js";
import { laneOf, MAX_IN_FLIGHT, type Lane, type SentCall, type WaitingCall } from "./lane.js";

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
  /** When a call last waited `timeoutMs` for a never-ready client in vain: calls skip Redis for a cool-down after. */
  gaveUpWaitingAt = Number.NEGATIVE_INFINITY;

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

/** The op of a GET of one value (see `failed`). */
export const VALUE_READ = "get";

const breakers = new WeakMap<object, Breaker>();

/** Statuses of an ioredis client on its way to its first `ready` (`wait`: lazyConnect, not connected yet). */
const STARTING = new Set(["wait", "connecting", "connect", "reconnecting"]);

const readiness = new WeakMap<object, Promise<void>>();

/**
 * Resolves when the client is first ready: one listener per client however many calls wait.
 * A lazyConnect client is connected here (its connection errors are the client's to report).
 */
function readyOf(client: CommandClient): Promise<void> {
  let ready = readiness.get(client);
  if (!ready) {
    ready = new Promise<void>((resolve) => {
      client.once("ready", () => resolve());
    });
    readiness.set(client, ready);
    if (client.status === "wait") client.connect?.().catch(() => undefined);
  }
  return ready;
}

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

/**
 * Fail-open wrapper around each Redis call: a client on its way to its first `ready` is waited for
 * within the call's bound (then skipped for a cool-down if it did not come); a client that was ready
 * and is not now is skipped at once (never ioredis' offline queue), as is every call while the breaker
 * is open; a client has at most MAX_IN_FLIGHT calls sent and unanswered, the others wait in order;
 * each call sent is bounded by `timeoutMs` (or its own bound) of Redis' time, not this process's
 * (see Lane); outcomes feed the breaker. Never throws.
 *
 * A failure with `skipped: true` was never sent: Redis did nothing. `skipped: false` was sent: it
 * failed, or it timed out (then it may still run).
 */
export class RedisGuard {
  readonly breaker: Breaker;
  readonly lane: Lane;

  constructor(
    readonly client: CommandClient,
    readonly timeoutMs: number,
    breakerOptions: BreakerOptions,
    private readonly hooks: GuardHooks,
  ) {
    this.breaker = breakerFor(client, breakerOptions);
    this.lane = laneOf(client);
    if (!this.breaker.wasReady) watchSchemeOf(client);
  }

  /** Whether a call would be attempted now. */
  available(): boolean {
    return this.client.status === "ready" && this.breaker.wouldAdmit(Date.now());
  }

  /**
   * Runs one Redis call and hands its outcome to `done`, exactly once: at once when the call is
   * skipped (client not ready, breaker open), else when the reply, an error or the timeout comes
   * first. The core of every guarded call, written without intermediate promises (one `then` on the
   * command's own promise, one timer): this is every read's path, and an async wrapper with a
   * timeout promise and a `Promise.race` made a coalesced read measurably dearer. A timer per call,
   * not one shared deadline: the shared one measured worse on getMany(100).
   */
  call<T>(
    op: string,
    fn: (client: CommandClient) => Promise<T>,
    done: (result: GuardResult<T>) => void,
    timeoutMs: number = this.timeoutMs,
  ): void {
    const now = Date.now();
    if (
      this.client.status !== "ready" &&
      !this.breaker.wasReady &&
      STARTING.has(this.client.status) &&
      now - this.breaker.gaveUpWaitingAt >= this.breaker.options.cooldownMs
    ) {
      this.callWhenReady(op, fn, done, timeoutMs, now);
      return;
    }
    if (this.client.status === "ready" && !this.lane.hasRoom() && this.breaker.wouldAdmit(now)) {
      new QueuedCall(this, op, fn, done, timeoutMs).wait();
      return;
    }
    this.send(op, fn, done, timeoutMs, now);
  }

  /** Sends a call that has room in the window, or skips it (client not ready, breaker open). */
  send<T>(
    op: string,
    fn: (client: CommandClient) => Promise<T>,
    done: (result: GuardResult<T>) => void,
    timeoutMs: number,
    now: number,
  ): void {
    if (this.client.status !== "ready") {
      const error = new RedisUnavailableError(`redis client is ${this.client.status}${this.neverReadyHint()}`);
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
    new GuardedCall(this, op, admission.probe, done, timeoutMs).start(fn);
  }

  /**
   * A call made while the client has never been ready (an app's first requests, a lazyConnect
   * client): waits for `ready` within the call's own bound instead of skipping Redis, connecting a
   * client that waits to be connected. The call then has its whole bound at Redis.
   */
  private callWhenReady<T>(
    op: string,
    fn: (client: CommandClient) => Promise<T>,
    done: (result: GuardResult<T>) => void,
    timeoutMs: number,
    startedAt: number,
  ): void {
    let waiting = true;
    let timer: NodeJS.Timeout;
    const check = (): void => {
      if (!waiting) return;
      waiting = false;
      // Redis did not come up within the bound: skip it at once for a cool-down, as an open breaker would.
      this.breaker.gaveUpWaitingAt = Date.now();
      const error = new RedisUnavailableError(
        `redis client is still ${this.client.status} after ${Date.now() - startedAt} ms${this.neverReadyHint()}`,
      );
      this.hooks.onError(error, op);
      done({ ok: false, error, skipped: true });
    };
    // Decided after the event loop has read what arrived (a process busy at start, e.g. issuing
    // its first thousand calls, must not give up on a connection whose events it has not read).
    const arm = (): void => {
      timer = setTimeout(() => setImmediate(check), timeoutMs);
      timer.unref();
    };
    arm();
    void readyOf(this.client).then(() => {
      if (!waiting) return;
      waiting = false;
      clearTimeout(timer);
      // The wait was this process's (its client connecting), not Redis' time: the call has its whole bound.
      this.call(op, fn, done, timeoutMs);
    });
  }

  /** Why a client that was never ready cannot connect, when its URL's scheme is why (see `schemeHint`). */
  private neverReadyHint(): string {
    return this.breaker.wasReady ? "" : schemeHint(this.client);
  }

  /** `call` as a promise of the outcome (it never rejects); `timeoutMs` overrides the guard's bound for this call. */
  run<T>(op: string, fn: (client: CommandClient) => Promise<T>, timeoutMs?: number): Promise<GuardResult<T>> {
    return new Promise((resolve) => this.call(op, fn, resolve, timeoutMs));
  }

  /** A call that got its reply (for the breaker). */
  succeeded(probe: boolean): void {
    this.transition(this.breaker.success(probe));
  }

  /**
   * A call that failed or timed out (for the breaker and the hooks; before the window makes room, so
   * once this opens the breaker, the calls waiting are skipped, not sent). A WRONGTYPE reply is Redis
   * answering about one key's content, not Redis failing: it never opens the breaker (one foreign key
   * read again and again would otherwise take the cache away from every key). A value read's is not
   * reported either: the read path treats that key as holding nothing, and the lease script deletes
   * it and says so (an `invalid-value` event).
   */
  failed(op: string, probe: boolean, error: unknown): void {
    if (isWrongTypeReply(error)) {
      this.transition(this.breaker.success(probe));
      if (op !== VALUE_READ) this.hooks.onError(error, op);
      return;
    }
    this.transition(this.breaker.failure(probe, Date.now()));
    this.hooks.onError(error, op);
    reconnectIfDemoted(this.client, error);
  }

  /** A call that waited for room and gave up, never sent (the calls sent report Redis to the breaker). */
  gaveUp(op: string, error: unknown): void {
    this.hooks.onError(error, op);
  }

  private transition(transition: BreakerTransition | undefined): void {
    if (transition) this.hooks.onTransition(transition);
  }
}

/**
 * A call waiting for room in the window: sent once calls before it were answered, unless Redis
 * answered nothing on the client for its whole bound meanwhile (then it fails, never sent). Like a
 * sent call's timeout, each check first lets the event loop read what arrived.
 */
class QueuedCall<T> implements WaitingCall {
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private readonly since = Date.now();

  constructor(
    private readonly guard: RedisGuard,
    private readonly op: string,
    private readonly fn: (client: CommandClient) => Promise<T>,
    private readonly done: (result: GuardResult<T>) => void,
    private readonly timeoutMs: number,
  ) {}

  wait(): void {
    this.guard.lane.wait(this);
    this.arm(this.timeoutMs);
  }

  send(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.guard.send(this.op, this.fn, this.done, this.timeoutMs, Date.now());
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => setImmediate(() => this.check()), ms);
    this.timer.unref();
  }

  private check(): void {
    if (this.settled) return;
    const now = Date.now();
    const silentMs = now - Math.max(this.guard.lane.answeredAt, this.since);
    if (silentMs < this.timeoutMs) {
      this.arm(this.timeoutMs - silentMs);
      return;
    }
    this.settled = true;
    const error = new RedisUnavailableError(
      `redis ${this.op} not sent: Redis answered nothing on this client for ${this.timeoutMs} ms while it waited for room (${MAX_IN_FLIGHT} calls in flight)`,
    );
    this.guard.gaveUp(this.op, error);
    this.done({ ok: false, error, skipped: true });
  }
}

/**
 * One call sent: whichever of reply, error and timeout comes first answers; the rest are ignored.
 * The lane decides when its time is up; on a Cluster it is timed here, from when it was sent (one
 * timer per call, and a `setImmediate` after it so a reply that arrived while the process was busy
 * is read first).
 */
class GuardedCall<T> implements SentCall {
  private timer: NodeJS.Timeout | undefined;
  settled = false;

  constructor(
    private readonly guard: RedisGuard,
    private readonly op: string,
    private readonly probe: boolean,
    private readonly done: (result: GuardResult<T>) => void,
    readonly timeoutMs: number,
  ) {}

  start(fn: (client: CommandClient) => Promise<T>): void {
    let pending: Promise<T>;
    const lane = this.guard.lane;
    try {
      pending = fn(this.guard.client);
    } catch (error) {
      lane.add(this);
      // answered as a rejection would be: after this call has returned
      void Promise.resolve().then(() => this.fail(error));
      return;
    }
    // Timed from here: the command is written (serializing a large one is this process's time).
    lane.add(this);
    if (!lane.inOrder) {
      this.timer = setTimeout(
        () => setImmediate(() => this.timeOut(`timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.timer.unref();
    }
    // Promise.resolve: the same promise for ioredis' own, and a thenable for any other client
    Promise.resolve(pending).then(
      (value) => this.succeed(value),
      (error: unknown) => this.fail(error),
    );
  }

  timeOut(reason: string): void {
    this.fail(new RedisUnavailableError(`redis ${this.op} ${reason}`));
  }

  // The lane hears of the outcome after `done` has handled it: the next call's turn begins once
  // this reply is decoded (that is this process's time, not Redis').

  private succeed(value: T): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.guard.succeeded(this.probe);
    try {
      this.done({ ok: true, value });
    } finally {
      this.guard.lane.settle(true);
    }
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.guard.failed(this.op, this.probe, error);
    try {
      this.done({ ok: false, error, skipped: false });
    } finally {
      this.guard.lane.settle(false);
    }
  }
}
