import type { Command } from "./command.js";

export function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.synopsis.length));
  return [
    "Usage: cachegen <command> [options]",
    "",
    "Commands:",
    ...commands.map((command) => `  ${command.synopsis.padEnd(width)}  ${command.summary}`),
    "",
    "Options (every command):",
    "  --config FILE  configuration file (default: cachegen.config.json, or \"cachegen\" in package.json)",
    "  --schemas DIR  folder of schema files (default: schemas)",
    "  --out DIR      folder of generated files (default: generated)",
    "",
    "  cachegen --help | --version",
  ].join("\n");
}
