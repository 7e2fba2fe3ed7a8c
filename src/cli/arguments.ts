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
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as FlagValues<T>;
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
