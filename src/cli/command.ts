import type { CommandName } from "./command-table.js";
import type { Terminal } from "./terminal.js";

/**
 * One CLI command. To add one, describe it in `command-table.ts` (help and flags), implement this,
 * and list it in `commands.ts`.
 */
export interface Command {
  readonly name: CommandName;
  /** Resolves to the exit code. Throws `UsageError` for bad arguments. */
  run(args: readonly string[], terminal: Terminal): Promise<number>;
}
