import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { PASSWORD_PLACEHOLDER } from "../../src/redis-checks/acl-rule.js";
import { runCli } from "./cli-harness.js";

/**
 * Runs `cachegen acl --user <user> [aclArgs]` in `cwd` and creates that user through `admin`, with a
 * fresh password in place of the placeholder. Returns the printed rule and the user's password.
 */
export async function createAppUser(
  admin: Redis,
  cwd: string,
  user: string,
  aclArgs: readonly string[] = [],
): Promise<{ rule: string; password: string }> {
  const { code, stdout, stderr } = await runCli(cwd, ["acl", "--user", user, ...aclArgs]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split("\n");
  expect(lines.slice(0, -1).every((line) => line.startsWith("# "))).toBe(true);
  const rule = lines.at(-1)!;
  const password = randomBytes(12).toString("hex");
  const [acl, setuser, ...rest] = commandArguments(rule.replace(PASSWORD_PLACEHOLDER, password));
  expect(`${acl} ${setuser}`).toBe("ACL SETUSER");
  await admin.call("ACL", "SETUSER", ...rest);
  return { rule, password };
}

/** Splits a printed rule as redis-cli would: on spaces, double quotes grouping. */
function commandArguments(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}
