import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects, userSchema } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

describe("exit codes", () => {
  it("exits 2 with the usage for an unknown command, an unknown flag or no command", async () => {
    const cwd = await project({});
    for (const [args, usage] of [
      [["deploy"], "Usage: cachegen <command>"],
      [["generate", "--force"], "Usage: cachegen generate"],
      [[], "Usage: cachegen <command>"],
    ] as const) {
      const result = await runCli(cwd, args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(usage);
      expect(result.stdout).toBe("");
    }
  });

  it("lists only the commands it implements", async () => {
    const { code, stdout } = await runCli(await project({}), ["--help"]);
    expect(code).toBe(0);
    const commands = stdout.split("Commands:\n")[1]?.split("\n\n")[0] ?? "";
    // a command's line starts with its name; a wrapped summary continues on lines indented further
    const names = commands.split("\n").filter((line) => /^  \S/.test(line));
    expect(names.map((line) => line.trim().split(" ")[0])).toEqual([
      "init",
      "generate",
      "check",
      "validate",
      "doctor",
      "inspect",
      "acl",
      "monitor",
      "dead-letters",
    ]);
  });

  it("generates: exit 0 and a summary of entities and files", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/user.yaml": userSchema,
      "schemas/team.yaml": teamSchema,
    });
    const first = await runCli(cwd, ["generate"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Generated 2 entities \(Team, User\) into generated\/ in \d+ ms$/m);
    expect(first.stdout).toMatch(/written +7: /);

    const second = await runCli(cwd, ["generate"]);
    expect(second.stdout).toMatch(/written +0\n +unchanged +7\n +removed +0/);
  });

  it("reports every schema error compiler-style, exits 1 and writes nothing", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/user.yaml": userSchema.replace("ttl: 1h", "ttl: 1 hour"),
      "schemas/team.yaml": teamSchema.replace("name: string", "name: text"),
    });
    for (const command of ["generate", "validate", "check"]) {
      const result = await runCli(cwd, [command]);
      expect(result.code, command).toBe(1);
      expect(result.stderr).toMatch(/^schemas\/team\.yaml:\d+:\d+: error: .*text/m);
      expect(result.stderr).toMatch(/^schemas\/user\.yaml:\d+:\d+: error: .*1 hour/m);
    }
    expect(await readdir(cwd)).not.toContain("generated");
  });

  it("validates: exit 0 for valid schemas", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const result = await runCli(cwd, ["validate"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("1 entity in 1 file");
  });

  it("writes nothing on --dry-run", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const result = await runCli(cwd, ["generate", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/would write +5: /);
    expect(await readdir(cwd)).not.toContain("generated");
  });

  it("takes --schemas and --out over the configuration", async () => {
    const cwd = await project({ "defs/team.yaml": teamSchema });
    const result = await runCli(cwd, ["generate", "--schemas", "defs", "--out", "src/cache"]);
    expect(result.code).toBe(0);
    expect(await readdir(join(cwd, "src", "cache"))).toContain("team.ts");
  });
});
