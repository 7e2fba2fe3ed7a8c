import { describe, expect, it } from "vitest";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

describe("messages say where each setting came from", () => {
  it("names --schemas, the configuration file or the default as the source of a missing schemas folder", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const flag = await runCli(cwd, ["generate", "--schemas", "nope"]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('schemas folder "nope" (given with --schemas) does not exist');

    const fromFile = await runCli(await project({ "cachegen.config.json": JSON.stringify({ schemas: "defs" }) }), [
      "validate",
    ]);
    expect(fromFile.stderr).toContain('schemas folder "defs" (set in cachegen.config.json) does not exist');

    const byDefault = await runCli(await project({ "cachegen.config.json": JSON.stringify({ keyPrefix: "x" }) }), [
      "validate",
    ]);
    expect(byDefault.stderr).toContain('schemas folder "schemas" (the default) does not exist');
  });

  it("advises the same --schemas and --out that check was given", async () => {
    const cwd = await project({ "defs/team.yaml": teamSchema });
    expect((await runCli(cwd, ["generate", "--schemas", "defs", "--out", "my cache"])).code).toBe(0);
    const upToDate = await runCli(cwd, ["check", "--schemas", "defs", "--out", "my cache"]);
    expect(upToDate.code).toBe(0);

    const drift = await runCli(cwd, ["check", "--schemas", "defs", "--out", "elsewhere"]);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain("Run `npx cachegen generate --schemas defs --out elsewhere` to update them.");
  });

  it("refuses a project configured both in cachegen.config.json and in package.json, naming both", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "package.json": JSON.stringify({ name: "app", cachegen: { keyPrefix: "other" } }),
      "schemas/team.yaml": teamSchema,
    });
    const result = await runCli(cwd, ["generate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /both cachegen\.config\.json and "cachegen" in package\.json configure cachegen; keep one/,
    );
    const chosen = await runCli(cwd, ["validate", "--config", "cachegen.config.json"]);
    expect(chosen.code).toBe(0);
  });

  it("names where schemas and out each came from when they are one folder", async () => {
    const cwd = await project({ "cachegen.config.json": JSON.stringify({ schemas: "cache" }) });
    const result = await runCli(cwd, ["generate", "--out", "cache"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'schemas (set in cachegen.config.json) and out (given with --out) are both "cache"',
    );
  });
});
