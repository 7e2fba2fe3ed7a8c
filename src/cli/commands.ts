import type { Command } from "./command.js";
import type { CommandName } from "./command-table.js";

/**
 * A command whose module is loaded when it runs: `generate` and `check` (run on every build, often
 * as a no-op) do not load the Redis tooling of `doctor`, `inspect` or `monitor`.
 */
function lazy(name: CommandName, load: () => Promise<Command>): Command {
  return { name, run: async (args, terminal) => (await load()).run(args, terminal) };
}

/** Every command the CLI offers, in the order the usage text lists them (help text: `command-table.ts`). */
export const commands: readonly Command[] = [
  lazy("init", async () => (await import("./init-command.js")).initCommand),
  lazy("generate", async () => (await import("./generate-command.js")).generateCommand),
  lazy("check", async () => (await import("./check-command.js")).checkCommand),
  lazy("validate", async () => (await import("./validate-command.js")).validateCommand),
  lazy("doctor", async () => (await import("./doctor-command.js")).doctorCommand),
  lazy("inspect", async () => (await import("./inspect-command.js")).inspectCommand),
  lazy("acl", async () => (await import("./acl-command.js")).aclCommand),
  lazy("monitor", async () => (await import("./monitor-command.js")).monitorCommand),
  lazy("dead-letters", async () => (await import("./dead-letters-command.js")).deadLettersCommand),
];
