import { parseArgs } from "node:util";
import type { ConfigOptions } from "../config.js";
import { nearestName } from "../suggest.js";
import { commandTable, type FlagSpec } from "./command-table.js";

export { projectFlags } from "./command-table.js";

/** A mistake in how the CLI was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** What `parseFlags` needs of a flag: its type, and the value's placeholder for messages. */
type FlagShape = Pick<FlagSpec, "type" | "value">;
type Flags = Readonly<Record<string, FlagShape>>;

/** The values of the flags `flags` declares, each absent unless given. */
export type FlagValues<T extends Flags> = {
  [Name in keyof T]?: T[Name] extends { type: "boolean" } ? boolean : string;
};

export function parseFlags<T extends Flags>(args: readonly string[], flags: T): FlagValues<T> {
  return parse(args, flags, false).flags;
}

/** `parseFlags` for a command that also takes arguments of its own, such as an entity name. */
export function parseFlagsAndPositionals<T extends Flags>(
  args: readonly string[],
  flags: T,
): { flags: FlagValues<T>; positionals: string[] } {
  return parse(args, flags, true);
}

function parse<T extends Flags>(
  args: readonly string[],
  flags: T,
  allowPositionals: boolean,
): { flags: FlagValues<T>; positionals: string[] } {
  // Non-strict, so every mistake is ours to word (node's own messages are meant for developers).
  const options = Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, { type: flag.type }]));
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      if (!allowPositionals)
        throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}; this command takes flags only`);
      positionals.push(token.value);
      continue;
    }
    const flag = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
    if (flag === undefined) throw new UsageError(unknownFlag(token.rawName, token.name, Object.keys(flags)));
    if (flag.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      values[token.name] = true;
      continue;
    }
    // Without `=`, a value that looks like a flag is the next flag: `--out --watch` lacks a value.
    const swallowedFlag = token.inlineValue === false && token.value?.startsWith("-") === true && token.value !== "-";
    if (token.value === undefined || swallowedFlag) {
      throw new UsageError(`${token.rawName} needs a value: ${token.rawName} ${flag.value ?? "VALUE"}`);
    }
    values[token.name] = token.value;
  }
  return { flags: values as FlagValues<T>, positionals };
}

function unknownFlag(rawName: string, name: string, accepted: readonly string[]): string {
  const nearest = nearestName(name, accepted);
  if (nearest !== undefined) return `unknown flag ${rawName}; did you mean --${nearest}?`;
  const takenBy = Object.entries(commandTable)
    .filter(([, spec]) => Object.hasOwn(spec.flags, name))
    .map(([command]) => command);
  const commands = takenBy.length === 1 ? `${takenBy[0]} takes it` : `${takenBy.join(", ")} take it`;
  return takenBy.length > 0 ? `unknown flag ${rawName} (${commands})` : `unknown flag ${rawName}`;
}

/** The project flags as `resolveConfig` takes them. */
export function configOptions(
  cwd: string,
  flags: { config?: string | undefined; schemas?: string | undefined; out?: string | undefined },
): ConfigOptions {
  return { cwd, config: flags.config, schemas: flags.schemas, out: flags.out };
}
