import { describe, expect, it } from "vitest";
import { requireBuiltCli, runCli, temporaryProjects } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

const everyCommand = ["init", "generate", "check", "validate", "doctor", "inspect", "acl"];

describe("help", () => {
  it("prints each command's own usage for `cachegen <command> --help` and `-h`, exit 0", async () => {
    const cwd = await project({});
    for (const command of everyCommand) {
      for (const flag of ["--help", "-h"]) {
        const result = await runCli(cwd, [command, flag]);
        expect(result.code, `${command} ${flag}: ${result.stderr}`).toBe(0);
        expect(result.stderr).toBe("");
        expect(result.stdout).toMatch(new RegExp(`^Usage: cachegen ${command}\\b`));
        // every command names the project flags and its own, and never the argument parser's wording
        expect(result.stdout).toContain("--config FILE");
        expect(result.stdout).not.toMatch(/Unknown option|To specify a positional argument/);
      }
    }
  });

  it("lists each command's own flags in its help", async () => {
    const cwd = await project({});
    const flagsOf = async (command: string) => (await runCli(cwd, [command, "--help"])).stdout;
    expect(await flagsOf("generate")).toMatch(/--watch[\s\S]*--dry-run[\s\S]*--diff/);
    expect(await flagsOf("check")).toContain("--diff");
    expect(await flagsOf("doctor")).toContain("--redis URL");
    expect(await flagsOf("inspect")).toMatch(/Usage: cachegen inspect [^]*\[Entity\] \[options\]\n\n/);
    expect(await flagsOf("acl")).toContain("--user NAME");
  });

  it("takes `cachegen help <command>` too, and prints the overview for `cachegen --help`", async () => {
    const cwd = await project({});
    const help = await runCli(cwd, ["help", "check"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cachegen check\b/);
    const overview = await runCli(cwd, ["--help"]);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain("Usage: cachegen <command> [options]");
  });

  it("answers an unknown flag with the closest flag of that command, exit 2", async () => {
    const cwd = await project({});
    const typo = await runCli(cwd, ["generate", "--dry-runn"]);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toMatch(/^cachegen generate: unknown flag --dry-runn; did you mean --dry-run\?$/m);
    expect(typo.stderr).toContain("cachegen generate --help");

    const elsewhere = await runCli(cwd, ["check", "--watch"]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/unknown flag --watch \(generate takes it\)/);

    const inspect = await runCli(cwd, ["inspect", "--redsi", "redis://127.0.0.1:1"]);
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toMatch(/unknown flag --redsi; did you mean --redis\?/);
    expect(inspect.stderr).not.toMatch(/Unknown option|To specify a positional argument/);
  });

  it("says which value a flag needs, and that a command takes no arguments", async () => {
    const cwd = await project({});
    const missing = await runCli(cwd, ["generate", "--out"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out needs a value: --out DIR/);
    const swallowed = await runCli(cwd, ["generate", "--out", "--watch"]);
    expect(swallowed.code).toBe(2);
    expect(swallowed.stderr).toMatch(/--out needs a value: --out DIR/);
    const valued = await runCli(cwd, ["generate", "--watch=yes"]);
    expect(valued.code).toBe(2);
    expect(valued.stderr).toMatch(/--watch takes no value/);
    const positional = await runCli(cwd, ["validate", "schemas"]);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/unexpected argument "schemas"/);
  });

  it("answers an unknown command with the closest command and the usage, exit 2", async () => {
    const cwd = await project({});
    const typo = await runCli(cwd, ["genrate"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^cachegen: unknown command "genrate"; did you mean "generate"\?$/m);
    expect(typo.stderr).toContain("Usage: cachegen <command> [options]");
    const none = await runCli(cwd, []);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: cachegen <command> [options]");
  });
});
