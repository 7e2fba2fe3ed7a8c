import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/cli/unified-diff.js";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects, userSchema } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();
const run = promisify(execFile);

/** Applies a unified diff of one file the way `patch` does, checking every context and removed line. */
function applyDiff(before: string, diff: string): string {
  const lines = before.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const body = diff.split("\n").slice(2, -1);
  const out: string[] = [];
  let next = 0;
  for (let i = 0; i < body.length; i++) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(body[i]!);
    if (header) {
      const count = header[2] === undefined ? 1 : Number(header[2]);
      const start = count === 0 ? Number(header[1]) : Number(header[1]) - 1;
      while (next < start) out.push(lines[next++]!);
      continue;
    }
    const kind = body[i]![0];
    const noNewline = body[i + 1] === "\\ No newline at end of file";
    const line = body[i]!.slice(1) + (noNewline ? "" : "\n");
    if (noNewline) i++;
    if (kind === "+") out.push(line);
    else {
      expect(lines[next], `line ${next + 1}`).toBe(line);
      if (kind === " ") out.push(line);
      next++;
    }
  }
  while (next < lines.length) out.push(lines[next++]!);
  return out.join("");
}

describe("unifiedDiff", () => {
  it("turns the old text into the new one when applied, final newline or not", () => {
    const text = fc
      .array(fc.constantFrom("a", "b", "c", "", "d d"), { maxLength: 40 })
      .chain((lines) =>
        fc.boolean().map((newlineAtEnd) => lines.join("\n") + (newlineAtEnd && lines.length > 0 ? "\n" : "")),
      );
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = unifiedDiff(before, after, { before: "a/f", after: "b/f" });
        if (before === after) return diff === "";
        return applyDiff(before, diff) === after;
      }),
      { numRuns: 2000 },
    );
  });

  it("writes headers and ranges as diff -u does", () => {
    expect(
      unifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", {
        before: "a/x.ts",
        after: "b/x.ts",
      }),
    ).toBe(
      ["--- a/x.ts", "+++ b/x.ts", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8", ""].join("\n"),
    );
    expect(unifiedDiff(undefined, "new\n", { before: "a/n", after: "b/n" })).toBe(
      "--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+new\n",
    );
    expect(unifiedDiff("old\n", undefined, { before: "a/o", after: "b/o" })).toBe(
      "--- a/o\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n",
    );
    expect(unifiedDiff("x", "x\n", { before: "a/e", after: "b/e" })).toBe(
      "--- a/e\n+++ b/e\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n",
    );
  });
});

describe("--diff", () => {
  async function driftedProject(): Promise<string> {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/user.yaml": userSchema,
      "schemas/team.yaml": teamSchema,
    });
    expect((await runCli(cwd, ["generate"])).code).toBe(0);
    await writeFile(
      join(cwd, "schemas", "user.yaml"),
      userSchema.replace("ttl: 1h", "ttl: 2h").replace(/invalidates:\n.*\n/, ""),
    );
    await rm(join(cwd, "schemas", "team.yaml"));
    await rm(join(cwd, "generated", "user.test.ts"));
    return cwd;
  }

  it("check --diff prints a diff that git apply turns into what generate writes", async () => {
    const cwd = await driftedProject();
    const check = await runCli(cwd, ["check", "--diff"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("--- a/generated/user.ts\n+++ b/generated/user.ts\n@@ ");
    expect(check.stdout).toContain("--- /dev/null\n+++ b/generated/user.test.ts\n");
    expect(check.stdout).toContain("--- a/generated/team.ts\n+++ /dev/null\n");
    expect(check.stdout).toMatch(/^-.*ttlMs: 3_600_000/m);
    expect(check.stdout).toMatch(/^\+.*ttlMs: 7_200_000/m);

    const patch = check.stdout.slice(0, check.stdout.indexOf("generated/ is out of date"));
    await writeFile(join(cwd, "drift.patch"), patch);
    await run("git", ["apply", "drift.patch"], { cwd });
    const after = await runCli(cwd, ["check"]);
    expect(after.stdout).toContain("generated/ is up to date");
    expect(after.code).toBe(0);
  });

  it("generate --dry-run --diff prints the same diff and writes nothing; --diff alone is a usage error", async () => {
    const cwd = await driftedProject();
    const before = await readFile(join(cwd, "generated", "user.ts"), "utf8");
    const check = await runCli(cwd, ["check", "--diff"]);
    const dryRun = await runCli(cwd, ["generate", "--dry-run", "--diff"]);
    expect(dryRun.code).toBe(0);
    const diffOf = (stdout: string) => stdout.slice(0, stdout.search(/^(generated\/ is out of date|Dry run)/m));
    expect(diffOf(dryRun.stdout)).toBe(diffOf(check.stdout));
    expect(await readFile(join(cwd, "generated", "user.ts"), "utf8")).toBe(before);

    const alone = await runCli(cwd, ["generate", "--diff"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("use it with --dry-run");
  });

  it("prints nothing but the summary when nothing differs", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    await runCli(cwd, ["generate"]);
    const check = await runCli(cwd, ["check", "--diff"]);
    expect(check.stdout).toMatch(/^generated\/ is up to date/);
  });
});
