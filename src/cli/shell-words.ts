import { projectFlags } from "./command-table.js";

/**
 * The project flags of this call as they would be typed again (` --schemas defs --out "my out"`),
 * so advice to run another command points at the same project; "" when none was given.
 */
export function projectFlagsGiven(flags: {
  readonly [Name in keyof typeof projectFlags]?: string | undefined;
}): string {
  return Object.keys(projectFlags)
    .flatMap((name) => {
      const value = flags[name as keyof typeof projectFlags];
      return value === undefined ? [] : [` --${name} ${shellWord(value)}`];
    })
    .join("");
}

/** A value a POSIX shell reads back unchanged. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
