import { commandTable, projectFlags, type CommandName, type FlagSpecs } from "./command-table.js";
import { HELP_WIDTH, wrapPieces, wrapText } from "./wrap-text.js";

/** `generate`, `[--watch]`, `[--dry-run]`, `[--diff]`: a command, its own flags and its arguments. */
function synopsisPieces(name: CommandName): string[] {
  const spec = commandTable[name];
  const flags = Object.entries(spec.flags as FlagSpecs).map(
    ([flag, { value }]) => `[--${flag}${value ? ` ${value}` : ""}]`,
  );
  const args = "arguments" in spec ? [spec.arguments] : [];
  return [name, ...flags, ...args];
}

/**
 * The overview `cachegen --help` prints: every command of `names` with its summary, then the
 * project flags. Each command's flags are in its own help: its synopsis would not fit a line.
 */
export function usage(names: readonly CommandName[]): string {
  return [
    "Usage: cachegen <command> [options]",
    "",
    "Commands:",
    ...columns(names.map((name) => [name, commandTable[name].summary] as const)),
    "",
    "Options (every command):",
    ...columns(flagLines(projectFlags)),
    "",
    ...columns([
      ["cachegen <command> --help", "that command's flags and usage"],
      ["cachegen --version", "the version of cachegen"],
    ]),
  ].join("\n");
}

/** What `cachegen <command> --help` prints. */
export function commandHelp(name: CommandName): string {
  const spec = commandTable[name];
  const details = "details" in spec ? spec.details : [];
  return [
    ...usageLines(name),
    "",
    ...wrapText(`${capitalized(spec.summary)}.`, HELP_WIDTH),
    ...details.flatMap((paragraph) => ["", ...wrapText(paragraph, HELP_WIDTH)]),
    "",
    "Options:",
    ...columns([...flagLines(spec.flags), ...flagLines(projectFlags), ["-h, --help", "print this help"]]),
    "",
    ...wrapText(`Exit: ${spec.exit}.`, HELP_WIDTH, "", " ".repeat("Exit: ".length)),
  ].join("\n");
}

/** The lines a usage error ends with: how to call the command, and where its help is. */
export function usageHint(name: CommandName): string {
  return [...usageLines(name), `Run \`cachegen ${name} --help\` for its options.`].join("\n");
}

/** `Usage: cachegen doctor [--redis URL] ... [options]`, its flags wrapped under the first. */
function usageLines(name: CommandName): string[] {
  const [command, ...rest] = synopsisPieces(name);
  const first = `Usage: cachegen ${command} `;
  return wrapPieces([...rest, "[options]"], HELP_WIDTH, first, " ".repeat(first.length));
}

function flagLines(flags: FlagSpecs): (readonly [string, string])[] {
  return Object.entries(flags).map(
    ([flag, { value, help }]) => [`--${flag}${value ? ` ${value}` : ""}`, help] as const,
  );
}

/** Two columns, the right one wrapped so that every line fits `HELP_WIDTH`. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  const hanging = " ".repeat(2 + width + 2);
  return rows.flatMap(([left, right]) => wrapText(right, HELP_WIDTH, `  ${left.padEnd(width)}  `, hanging));
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
