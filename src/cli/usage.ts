import { commandTable, projectFlags, type CommandName, type FlagSpecs } from "./command-table.js";

/** `generate [--watch] [--dry-run] [--diff]`: a command, its own flags and its arguments. */
export function synopsis(name: CommandName): string {
  const spec = commandTable[name];
  const flags = Object.entries(spec.flags as FlagSpecs).map(
    ([flag, { value }]) => `[--${flag}${value ? ` ${value}` : ""}]`,
  );
  const args = "arguments" in spec ? [spec.arguments] : [];
  return [name, ...flags, ...args].join(" ");
}

/** The overview `cachegen --help` prints: every command of `names`, then the project flags. */
export function usage(names: readonly CommandName[]): string {
  const lines = names.map((name) => [synopsis(name), commandTable[name].summary] as const);
  return [
    "Usage: cachegen <command> [options]",
    "",
    "Commands:",
    ...columns(lines),
    "",
    "Options (every command):",
    ...columns(flagLines(projectFlags)),
    "",
    "  cachegen <command> --help   that command's usage",
    "  cachegen --version",
  ].join("\n");
}

/** What `cachegen <command> --help` prints. */
export function commandHelp(name: CommandName): string {
  const spec = commandTable[name];
  const details = "details" in spec ? spec.details : [];
  return [
    `Usage: cachegen ${synopsis(name)} [options]`,
    "",
    `${capitalized(spec.summary)}.`,
    ...details.flatMap((paragraph) => ["", paragraph]),
    "",
    "Options:",
    ...columns([...flagLines(spec.flags), ...flagLines(projectFlags), ["-h, --help", "print this help"]]),
    "",
    `Exit: ${spec.exit}.`,
  ].join("\n");
}

/** The lines a usage error ends with: how to call the command, and where its help is. */
export function usageHint(name: CommandName): string {
  return `Usage: cachegen ${synopsis(name)} [options]\nRun \`cachegen ${name} --help\` for its options.`;
}

function flagLines(flags: FlagSpecs): (readonly [string, string])[] {
  return Object.entries(flags).map(
    ([flag, { value, help }]) => [`--${flag}${value ? ` ${value}` : ""}`, help] as const,
  );
}

function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
