import { ConfigError } from "../config.js";
import { readPackageInfo } from "../package-info.js";
import { UsageError } from "./arguments.js";
import { commands } from "./commands.js";
import { processTerminal, type Terminal } from "./terminal.js";
import { usage } from "./usage.js";

/** Runs the CLI; resolves to the exit code: 0 success, 1 schema errors or drift, 2 usage errors. */
export async function main(argv: readonly string[], terminal: Terminal = processTerminal()): Promise<number> {
  const [name, ...args] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    terminal.out.line(usage(commands));
    return 0;
  }
  if (name === "--version" || name === "-v") {
    terminal.out.line(readPackageInfo().version);
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    terminal.err.line(name === undefined ? "cachegen: no command given" : `cachegen: unknown command "${name}"`);
    terminal.err.line(usage(commands));
    return 2;
  }
  try {
    return await command.run(args, terminal);
  } catch (error) {
    if (error instanceof UsageError) {
      terminal.err.line(`cachegen ${command.name}: ${error.message}`);
      terminal.err.line(usage(commands));
      return 2;
    }
    if (error instanceof ConfigError) {
      terminal.err.line(`cachegen: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
