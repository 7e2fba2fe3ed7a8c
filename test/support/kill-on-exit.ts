import type { ChildProcess } from "node:child_process";

/** Children still running when the test process exits are killed (a failed test never leaks one). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Registers `child` until it exits. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}
