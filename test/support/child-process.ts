import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { killOnExit } from "./kill-on-exit.js";

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface Message {
  readonly type: string;
}

/**
 * A TypeScript program run in a child process (`node --import tsx`, from the repository root, so
 * `cachegen/runtime` and the fixtures resolve as in the tests), talking over IPC. It gets its input
 * as JSON in `argv[2]` (see `child-side.ts`).
 */
export class TsChild<TIn extends Message, TOut extends Message> {
  private readonly inbox: TOut[] = [];
  private readonly waiting = new Set<() => void>();
  private stderr = "";
  private exit: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    killOnExit(child);
    child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.on("message", (message) => {
      this.inbox.push(message as TOut);
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = signal ?? `code ${code}`;
        this.notify();
        resolve();
      });
    });
  }

  /** Starts `program` (a path relative to the repository root) with `input`, and extra Node flags (e.g. `--expose-gc`). */
  static start<TIn extends Message, TOut extends Message>(
    program: string,
    input: unknown,
    nodeFlags: readonly string[] = [],
  ): TsChild<TIn, TOut> {
    const child = fork(program, [JSON.stringify(input)], {
      cwd: repositoryRoot,
      execArgv: ["--import", "tsx", ...nodeFlags],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    return new TsChild<TIn, TOut>(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: TIn): void {
    this.child.send(message);
  }

  /** The next message of `type` not taken yet (possibly one already received). */
  async next<T extends TOut["type"]>(type: T, timeoutMs = 15_000): Promise<Extract<TOut, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as Extract<TOut, { type: T }>;
      if (this.exit !== undefined)
        throw new Error(`child ${this.pid} exited (${this.exit}) before sending "${type}"\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`child ${this.pid} sent no "${type}" within ${timeoutMs} ms\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiting.add(done);
      });
    }
  }

  /**
   * Waits up to `timeoutMs` for the process to exit on its own: how it exited (`code 0`, a signal
   * name), or undefined if it is still running.
   */
  async exitedWithin(timeoutMs: number): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return this.exit;
  }

  /** What the process wrote to stderr so far. */
  get errorOutput(): string {
    return this.stderr;
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.exit === undefined) this.child.kill(signal);
    await this.exited;
  }

  private notify(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const wake of waiting) wake();
  }
}

/** Every child a test file starts, to kill them all in `afterEach`/`afterAll` whatever happened. */
export class Children<TIn extends Message, TOut extends Message> {
  private readonly started: TsChild<TIn, TOut>[] = [];

  constructor(private readonly program: string) {}

  start(input: unknown, nodeFlags: readonly string[] = []): TsChild<TIn, TOut> {
    const child = TsChild.start<TIn, TOut>(this.program, input, nodeFlags);
    this.started.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((child) => child.kill()));
  }
}
