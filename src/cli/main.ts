import { ConfigError } from "../config.js";
import { readPackageInfo } from "../package-info.js";
import { nearestName } from "../suggest.js";
import { OutputWriteError } from "../write/output-write-error.js";
import { UsageError } from "./arguments.js";
import { commands } from "./commands.js";
import { processTerminal, type Terminal } from "./terminal.js";
import { commandHelp, usage, usageHint } from "./usage.js";

const helpFlags = new Set(["--help", "-h"]);

/** Runs the CLI; resolves to the exit code: 0 success, 1 schema errors or drift, 2 usage errors. */
export async function main(argv: readonly string[], terminal: Terminal = processTerminal()): Promise<number> {
  const [name, ...args] = argv;
  const names = commands.map((command) => command.name);
  if (name === undefined) {
    terminal.err.line("cachegen: no command given");
    terminal.err.line(usage(names));
    return 2;
  }
  if (helpFlags.has(name) || name === "help") {
    const topic = args[0];
    const command = commands.find((candidate) => candidate.name === topic);
    terminal.out.line(command === undefined ? usage(names) : commandHelp(command.name));
    return 0;
  }
  if (name === "--version" || name === "-v") {
    terminal.out.line(readPackageInfo().version);
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    if (name.startsWith("-")) {
      terminal.err.line(`cachegen: ${name} before a command; flags follow it: cachegen <command> ${name}`);
    } else {
      const nearest = nearestName(name, names);
      terminal.err.line(
        `cachegen: unknown command "${name}"${nearest === undefined ? "" : `; did you mean "${nearest}"?`}`,
      );
    }
    terminal.err.line(usage(names));
    return 2;
  }
  // `--` ends the flags: what follows it is an argument, even `--help`.
  const flags = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (flags.some((arg) => helpFlags.has(arg))) {
    terminal.out.line(commandHelp(command.name));
    return 0;
  }
  try {
    return await command.run(args, terminal);
  } catch (error) {
    if (error instanceof UsageError) {
      terminal.err.line(`cachegen ${command.name}: ${error.message}`);
      terminal.err.line(usageHint(command.name));
      return 2;
    }
    if (error instanceof ConfigError || error instanceof OutputWriteError) {
      terminal.err.line(`cachegen: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
