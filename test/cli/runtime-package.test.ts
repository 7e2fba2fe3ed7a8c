import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { caretAccepts } from "../../src/cli/runtime-package.js";
import { readPackageInfo } from "../../src/package-info.js";
import { requireBuiltCli, runCli, teamSchema, temporaryProjects, userSchema } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();
const { version } = readPackageInfo();

/** A project with a package.json, the user schema and, when `runtime` is given, an installed `cachegen` of that version. */
async function npmProject(runtime?: string): Promise<string> {
  const cwd = await project({
    "package.json": JSON.stringify({ name: "app", type: "module" }),
    "schemas/user.yaml": userSchema,
    "schemas/team.yaml": teamSchema,
  });
  if (runtime !== undefined) {
    await mkdir(join(cwd, "node_modules", "cachegen"), { recursive: true });
    await writeFile(
      join(cwd, "node_modules", "cachegen", "package.json"),
      JSON.stringify({ name: "cachegen", version: runtime }),
    );
  }
  return cwd;
}

describe("generate and the runtime package the generated code imports", () => {
  it("says nothing when the project has the runtime of the generator's version", async () => {
    const result = await runCli(await npmProject(version), ["generate"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("warns, and still generates, when the project has no runtime package", async () => {
    const result = await runCli(await npmProject(), ["generate"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      `warning: the generated code imports cachegen/runtime, and cachegen is not installed in this project: npm install cachegen@^${version}\n`,
    );
    expect(result.stdout).toMatch(/Generated 2 entities/);
  });

  it("warns when the installed runtime is older than the generator", async () => {
    const result = await runCli(await npmProject("0.0.1"), ["generate"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      `warning: cachegen 0.0.1 is installed, and this generator (@cachegen/generator ${version}) writes code for cachegen ^${version}: npm install cachegen@^${version}\n`,
    );
  });

  it("checks nothing outside an npm project", async () => {
    const result = await runCli(await project({ "schemas/user.yaml": userSchema, "schemas/team.yaml": teamSchema }), [
      "generate",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
  });
});

describe("caretAccepts", () => {
  it("accepts what npm's ^ range accepts for plain versions", () => {
    expect(caretAccepts("0.1.0", "0.1.0")).toBe(true);
    expect(caretAccepts("0.1.0", "0.1.7")).toBe(true);
    expect(caretAccepts("0.1.2", "0.1.1")).toBe(false);
    expect(caretAccepts("0.1.0", "0.2.0")).toBe(false);
    expect(caretAccepts("1.2.3", "1.3.0")).toBe(true);
    expect(caretAccepts("1.2.3", "1.2.2")).toBe(false);
    expect(caretAccepts("1.2.3", "2.0.0")).toBe(false);
    expect(caretAccepts("1.2.3", "1.2.3-beta.1")).toBe(true);
    expect(caretAccepts("1.2.3", "not a version")).toBe(false);
  });
});
