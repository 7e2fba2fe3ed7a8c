import { humanDuration } from "../emit/durations.js";
import { ConnectionError } from "../redis-checks/connection.js";
import type { ProjectKeys } from "../redis-checks/entity-layout.js";
import { Monitor } from "../redis-checks/monitor.js";
import { parseDuration } from "../schema/duration.js";
import { parseFlags, UsageError } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { loadModel } from "./load-model.js";
import { monitorReport, type MonitorView } from "./monitor-report.js";
import { withoutSecrets } from "./redaction.js";
import { connectionProblem, keysUnderPrefix, redisTarget, type RedisTarget } from "./redis-target.js";
import type { Terminal } from "./terminal.js";

/** SCAN calls (COUNT 1000 each) per node per refresh of the live view: counting never costs more than this. */
const SCAN_CALLS_PER_REFRESH = 10;
const MIN_INTERVAL_MS = 100;
/** Home and clear to the end of the screen: the next frame is drawn over the previous one. */
const REDRAW = "\u001b[H\u001b[J";

export const monitorCommand: Command = {
  name: "monitor",
  run: withoutSecrets(async (args, terminal) => {
    const flags = parseFlags(args, flagsOf("monitor"));
    const target = redisTarget(flags.redis, process.env, flags);
    const intervalMs = parseInterval(flags.interval ?? "1s");
    const project = await loadModel(terminal, flags, "monitor");
    if (!project) return 1;
    const keys = keysUnderPrefix(project.model, flags["key-prefix"]);
    const view: MonitorView = {
      shown: target.shown,
      prefix: keys.prefix,
      live: flags.once ? undefined : { interval: humanDuration(intervalMs), scanCallsPerNode: SCAN_CALLS_PER_REFRESH },
    };

    let monitor: Monitor;
    try {
      monitor = await Monitor.open(target.url, keys, target.clientTls);
    } catch (failure) {
      if (!(failure instanceof ConnectionError)) throw failure;
      terminal.err.line(`cachegen monitor: ${connectionProblem(target, failure)}`);
      return 1;
    }
    if (!flags.once) return watchLive(monitor, target, keys, view, intervalMs, terminal);
    try {
      for (const line of monitorReport(await monitor.snapshot(), view)) terminal.out.line(line);
      return 0;
    } catch (failure) {
      terminal.err.line(`cachegen monitor: ${snapshotProblem(target, failure)}`);
      return 1;
    } finally {
      await monitor.close();
    }
  }),
};

/**
 * Draws a frame every `intervalMs` until Ctrl-C (or SIGTERM), then resolves 0. On a terminal each
 * frame replaces the last; into a pipe or file frames follow one another, without control codes.
 * While the server is unreachable the frame says so and the view reconnects; a refusal that will
 * not go away by itself (a permission) ends it with 1.
 */
async function watchLive(
  first: Monitor,
  target: RedisTarget,
  keys: ProjectKeys,
  view: MonitorView,
  intervalMs: number,
  terminal: Terminal,
): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let monitor: Monitor | undefined = first;
  let frames = 0;
  const draw = (lines: readonly string[]) => {
    if (terminal.out.isTTY) terminal.out.line(`${REDRAW}${lines.join("\n")}`);
    else terminal.out.line(`${frames > 0 ? "\n" : ""}${lines.join("\n")}`);
    frames += 1;
  };
  try {
    while (!stop.signal.aborted) {
      try {
        monitor ??= await Monitor.open(target.url, keys, target.clientTls);
        draw(monitorReport(await monitor.snapshot(SCAN_CALLS_PER_REFRESH), view));
      } catch (failure) {
        await monitor?.close();
        monitor = undefined;
        if (!transient(failure)) {
          terminal.err.line(
            `cachegen monitor: ${failure instanceof ConnectionError ? connectionProblem(target, failure) : snapshotProblem(target, failure)}`,
          );
          return 1;
        }
        const problem =
          failure instanceof ConnectionError
            ? connectionProblem(target, failure)
            : `${target.shown}: ${messageOf(failure)}`;
        draw([`cachegen monitor: ${problem}`, `Trying again every ${view.live!.interval} (Ctrl-C to stop).`]);
      }
      await pause(intervalMs, stop.signal);
    }
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await monitor?.close();
  }
}

/** Lost connections come back; refused credentials or permissions do not. */
function transient(failure: unknown): boolean {
  if (failure instanceof ConnectionError) return failure.reason === "unreachable";
  return /Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|Command timed out|Stream isn't writeable/i.test(
    messageOf(failure),
  );
}

function snapshotProblem(target: RedisTarget, failure: unknown): string {
  const message = messageOf(failure);
  const advice = /NOPERM/.test(message)
    ? "monitor needs INFO, SCAN, XLEN and XPENDING (and CLUSTER NODES on a cluster); the rule `cachegen acl` prints grants them all but CLUSTER NODES, so run it as that user with the rule as printed, or as an operator's user"
    : "try again, or check the server with `cachegen doctor`";
  return `${target.shown} failed: ${message}; ${advice}`;
}

function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

function parseInterval(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_INTERVAL_MS) {
    throw new UsageError(
      `--interval ${JSON.stringify(text)}: give a duration of at least ${MIN_INTERVAL_MS}ms, e.g. --interval 1s or --interval 500ms`,
    );
  }
  return ms;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
