import { parseArgs, type ParseArgsConfig } from "node:util";
import type { ConfigOptions } from "../config.js";

/** A mistake in how the CLI was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `--config`, `--schemas` and `--out`, accepted by every command. */
export const projectFlags = {
  config: { type: "string" },
  schemas: { type: "string" },
  out: { type: "string" },
} as const satisfies Options;

/** The values of the flags `options` declares, each absent unless given. */
export type FlagValues<T extends Options> = {
  [Name in keyof T]?: T[Name] extends { type: "boolean" } ? boolean : string;
};

export function parseFlags<T extends Options>(args: readonly string[], options: T): FlagValues<T> {
  return parse(args, options, false).flags;
}

/** `parseFlags` for a command that also takes arguments of its own, such as an entity name. */
export function parseFlagsAndPositionals<T extends Options>(
  args: readonly string[],
  options: T,
): { flags: FlagValues<T>; positionals: string[] } {
  return parse(args, options, true);
}

function parse<T extends Options>(
  args: readonly string[],
  options: T,
  allowPositionals: boolean,
): { flags: FlagValues<T>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { flags: values as FlagValues<T>, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The project flags as `resolveConfig` takes them. */
export function configOptions(
  cwd: string,
  flags: { config?: string | undefined; schemas?: string | undefined; out?: string | undefined },
): ConfigOptions {
  return { cwd, config: flags.config, schemas: flags.schemas, out: flags.out };
}
