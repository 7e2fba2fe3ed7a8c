/**
 * Calls one client has sent at most and not had answered: a few batches (16 MGETs of up to 512
 * values), so a burst's replies stay what the process reads and decodes in a short while, and
 * enough commands are in flight to keep a Redis across a network busy.
 */
export const MAX_IN_FLIGHT = 64;

/** A call sent on the client, as the lane sees it. */
export interface SentCall {
  readonly timeoutMs: number;
  /** Set once it has its outcome (reply, error or timeout). */
  readonly settled: boolean;
  /** No reply in time: `reason` says why. */
  timeOut(reason: string): void;
}

/** A call waiting for room in the window. */
export interface WaitingCall {
  /** Sends it, unless it gave up meanwhile. */
  send(): void;
}

/**
 * The guarded calls of one client (shared by every repository on it, like the breaker): at most
 * MAX_IN_FLIGHT sent and unanswered, the others waiting in order; and when a call sent has run out
 * of time.
 *
 * A call's bound measures Redis, not this process. Sent all at once, a burst (50 000 gets make
 * about a hundred MGETs) had every reply in the socket while the process still decoded the first
 * ones, and the later calls' timers ran out although Redis had answered long before: the reads went
 * to the source and the breaker opened on a healthy Redis. So:
 * - On a standalone client (one connection: Redis answers in the order it was sent) only the
 *   oldest unanswered call is timed, from when its turn came (it was sent, or the call before it
 *   was answered): the time Redis takes for it, not the time this process takes for the replies
 *   before it. When it runs out, Redis answered nothing for that long, and no call sent after it
 *   can have its reply either: they all time out together. On a Cluster (a connection per node)
 *   each call is timed from when it was sent.
 * - A timeout is decided only after the event loop has read what arrived (a `setImmediate` after
 *   the timer): a process that was busy when the timer was due still reads a reply that is there,
 *   and when replies came meanwhile, Redis is answering and this process is behind: the head gets
 *   another bound.
 * - A call waiting for room is not timed as sent: it gives up only when Redis answered nothing on
 *   the client for its whole bound while it waited, and then it was never sent.
 */
export class Lane {
  inFlight = 0;
  /** When a call last got its reply. */
  answeredAt = 0;
  private sent: SentCall[] = [];
  private sentHead = 0;
  /** When the oldest unanswered call's turn came. */
  private turnSince = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the timer is due. */
  private timerDue = 0;
  private waiting: WaitingCall[] = [];
  private waitingHead = 0;
  /** When the timer last fired. */
  private firedAt = 0;
  private readonly check = (): void => this.checkTurn();
  private readonly checkSoon = (): void => {
    this.firedAt = Date.now();
    setImmediate(this.check);
  };

  /** `inOrder`: one connection, replies in the order sent (not a Cluster). */
  constructor(readonly inOrder: boolean) {}

  /** Whether a call may be sent now: room in the window, and no call waiting before it. */
  hasRoom(): boolean {
    return this.inFlight < MAX_IN_FLIGHT && this.waitingHead === this.waiting.length;
  }

  wait(call: WaitingCall): void {
    this.waiting.push(call);
  }

  /** A call was just sent. */
  add(call: SentCall): void {
    this.inFlight += 1;
    if (!this.inOrder) return;
    this.sent.push(call);
    if (this.sentHead === this.sent.length - 1) {
      this.turnSince = Date.now();
      this.timeHead();
    }
  }

  /** A sent call has its outcome: the next one's turn may begin, and waiting calls take the room. */
  settle(answered: boolean): void {
    this.inFlight -= 1;
    if (answered) this.answeredAt = Date.now();
    if (this.inOrder) this.passSettled();
    while (this.inFlight < MAX_IN_FLIGHT && this.waitingHead < this.waiting.length) {
      const call = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = SENT;
      call.send(); // one that gave up already sends nothing
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting = [];
      this.waitingHead = 0;
    } else if (this.waitingHead >= 1024 && this.waitingHead * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  /** Moves the head past settled calls; a new head's turn begins now. */
  private passSettled(): void {
    const before = this.sentHead;
    while (this.sentHead < this.sent.length && this.sent[this.sentHead]!.settled) {
      // Let go of it now, not when the array is next compacted: a call holds its caller's reply
      // handler, which holds what the reply was decoded into (a getMany's values). Kept until
      // compaction (up to 1024 calls behind), they outlived young-generation collections and made
      // getMany(100) at 8 in flight spend a third of its time in GC.
      this.sent[this.sentHead] = SETTLED;
      this.sentHead += 1;
    }
    if (this.sentHead === before) return;
    this.turnSince = Date.now();
    if (this.sentHead === this.sent.length) {
      this.sent = [];
      this.sentHead = 0;
      return; // a timer still armed finds nothing to time
    }
    if (this.sentHead >= 1024 && this.sentHead * 2 >= this.sent.length) {
      this.sent = this.sent.slice(this.sentHead);
      this.sentHead = 0;
    }
    this.timeHead();
  }

  /** Makes sure the timer is due no later than the head's time is up (it is re-armed lazily, not per call). */
  private timeHead(): void {
    const due = this.turnSince + this.sent[this.sentHead]!.timeoutMs;
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.arm(due - Date.now());
  }

  private arm(ms: number): void {
    this.timerDue = Date.now() + ms;
    this.timer = setTimeout(this.checkSoon, ms);
    this.timer.unref();
  }

  /** The head's time is up: it and every call sent after it time out; else the timer waits for the rest. */
  private checkTurn(): void {
    this.timer = undefined;
    if (this.sentHead === this.sent.length) return;
    const head = this.sent[this.sentHead]!;
    const due = this.turnSince + head.timeoutMs;
    if (this.firedAt < due) {
      // Fired for an earlier head, or before this one's time was up: the event loop has not yet
      // had a chance to read after it was.
      this.arm(Math.max(0, due - Date.now()));
      return;
    }
    if (this.answeredAt >= this.firedAt) {
      // Replies came while the event loop read what had arrived: Redis answers, and this process
      // is behind reading them (it was busy: decoding a burst, a long GC). Not a timeout.
      this.arm(head.timeoutMs);
      return;
    }
    const behind = this.sent.slice(this.sentHead + 1);
    head.timeOut(`timed out after ${head.timeoutMs} ms`);
    for (const call of behind) {
      if (!call.settled) call.timeOut(`no reply: Redis answered nothing for ${head.timeoutMs} ms before it`);
    }
  }
}

/** What a slot of a passed call holds (the call itself is let go). */
const SETTLED: SentCall = { timeoutMs: 0, settled: true, timeOut: () => undefined };
const SENT: WaitingCall = { send: () => undefined };

const lanes = new WeakMap<object, Lane>();

/** The lane of a client (made on first use). */
export function laneOf(client: { readonly isCluster?: boolean }): Lane {
  let lane = lanes.get(client);
  if (!lane) {
    lane = new Lane(client.isCluster !== true);
    lanes.set(client, lane);
  }
  return lane;
}
