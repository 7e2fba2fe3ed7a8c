import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatedProject, requireBuiltCli, runCli, temporaryProjects, userSchema } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

const generated = () => generatedProject(project);

describe("check", () => {
  it("exits 0 when the generated files are up to date", async () => {
    const result = await runCli(await generated(), ["check"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("generated/ is up to date (2 entities, 7 files).");
  });

  it("exits 1 after a ttl edit, naming the edited entity's files", async () => {
    const cwd = await generated();
    const schema = join(cwd, "schemas", "user.yaml");
    await writeFile(schema, (await readFile(schema, "utf8")).replace("ttl: 1h", "ttl: 2h"));

    const result = await runCli(cwd, ["check"]);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ +differs +user\.ts +User \(schemas\/user\.yaml\)$/m);
    expect(result.stdout).not.toMatch(/team\.ts/);
    expect(result.stdout).toContain("Run `npx cachegen generate`");
  });

  it("lists missing and stale files", async () => {
    const cwd = await generated();
    await rm(join(cwd, "generated", "user.test.ts"));
    await rm(join(cwd, "schemas", "team.yaml"));
    await writeFile(join(cwd, "schemas", "user.yaml"), userSchema.replace(/invalidates:\n.*\n/, ""));

    const result = await runCli(cwd, ["check"]);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ +missing +user\.test\.ts +User \(schemas\/user\.yaml\)$/m);
    expect(result.stdout).toMatch(/^ +stale +team\.ts +no longer generated$/m);
    expect(result.stdout).toMatch(/^ +stale +team\.test\.ts +no longer generated$/m);
  });
});
