import type { Terminal } from "./terminal.js";

/** One CLI command. To add one, implement this and list it in `commands.ts`. */
export interface Command {
  readonly name: string;
  /** How to call it, for the usage text: `generate [--watch] [--dry-run]`. */
  readonly synopsis: string;
  readonly summary: string;
  /** Resolves to the exit code. Throws `UsageError` for bad arguments. */
  run(args: readonly string[], terminal: Terminal): Promise<number>;
}
