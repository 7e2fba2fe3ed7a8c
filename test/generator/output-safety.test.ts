// `cachegen generate` and `check` in real temporary projects: the output folder holds only what
// cachegen wrote, and nothing else is ever replaced or removed (issue 10, issue 11 item 12).
import { execFileSync } from "node:child_process";
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects, userSchema } from "../cli/cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

const schemas = { "schemas/user.yaml": userSchema, "schemas/team.yaml": teamSchema };

async function generatedProject(): Promise<string> {
  const cwd = await project({ "cachegen.config.json": config, ...schemas });
  expect((await runCli(cwd, ["generate"])).code).toBe(0);
  return cwd;
}

describe("generate never touches files it did not write", () => {
  it('with "out": "src", refuses to replace the app\'s src/index.ts, and writes nothing there', async () => {
    const cwd = await project({
      "cachegen.config.json": JSON.stringify({ out: "src" }),
      "src/index.ts": "export const app = 1;\n",
      ...schemas,
    });
    const result = await runCli(cwd, ["generate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("src/ holds index.ts, which cachegen did not write");
    expect(await readdir(join(cwd, "src"))).toEqual(["index.ts"]);
    expect(await readFile(join(cwd, "src/index.ts"), "utf8")).toBe("export const app = 1;\n");
    expect((await runCli(cwd, ["check"])).code).toBe(1);
  });

  it("with --out ., refuses to replace the project's README.md", async () => {
    const cwd = await project({ "README.md": "# My app\n", ...schemas });
    const result = await runCli(cwd, ["generate", "--out", "."]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("./ holds README.md, which cachegen did not write");
    expect(await readFile(join(cwd, "README.md"), "utf8")).toBe("# My app\n");
    expect((await readdir(cwd)).sort()).toEqual(["README.md", "schemas"]);
  });

  it("refuses an output folder that holds other sources unless the configuration allows it", async () => {
    const cwd = await project({
      "cachegen.config.json": JSON.stringify({ out: "lib" }),
      "lib/app.ts": "app\n",
      ...schemas,
    });
    const refused = await runCli(cwd, ["generate"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("lib/ holds files cachegen did not write (app.ts)");
    expect(refused.stderr).toContain('"allowOtherFilesInOut": true');
    expect(await readdir(join(cwd, "lib"))).toEqual(["app.ts"]);

    await writeFile(join(cwd, "cachegen.config.json"), JSON.stringify({ out: "lib", allowOtherFilesInOut: true }));
    expect((await runCli(cwd, ["generate"])).code).toBe(0);
    expect((await runCli(cwd, ["check"])).code).toBe(0);
    expect(await readFile(join(cwd, "lib/app.ts"), "utf8")).toBe("app\n");
  });

  it("takes what a compiler emits beside generated files (tsconfig without outDir) as neither other sources nor its own", async () => {
    const cwd = await generatedProject();
    const compiled = ["user.js", "user.d.ts", "user.js.map", "user.d.ts.map", "index.js", "index.d.ts"];
    for (const name of compiled) await writeFile(join(cwd, "generated", name), "// compiled\n");
    expect((await runCli(cwd, ["check"])).code).toBe(0);
    expect((await runCli(cwd, ["generate"])).code).toBe(0);
    for (const name of compiled) expect(await readFile(join(cwd, "generated", name), "utf8")).toBe("// compiled\n");

    await writeFile(join(cwd, "generated", "helper.js"), "// not beside a generated file\n");
    const refused = await runCli(cwd, ["check"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("holds files cachegen did not write (helper.js)");
  });

  it("does not write or delete through a symbolic link in the output folder", async () => {
    const cwd = await generatedProject();
    const outside = join(cwd, "outside");
    await mkdir(outside);
    await writeFile(join(outside, "team.ts"), "not generated\n");
    await rm(join(cwd, "generated/team.ts"));
    await symlink(join(outside, "team.ts"), join(cwd, "generated/team.ts"));

    const result = await runCli(cwd, ["generate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("team.ts (a symbolic link)");
    expect(await readFile(join(outside, "team.ts"), "utf8")).toBe("not generated\n");
    expect((await lstat(join(cwd, "generated/team.ts"))).isSymbolicLink()).toBe(true);

    // A link where a schema was removed is not cachegen's to delete either.
    await rm(join(cwd, "generated/team.ts"));
    await rm(join(cwd, "generated/user.test.ts"));
    await symlink(join(outside, "team.ts"), join(cwd, "generated/user.test.ts"));
    await writeFile(join(cwd, "cachegen.config.json"), JSON.stringify({ allowOtherFilesInOut: true }));
    await rm(join(cwd, "schemas/user.yaml"));
    expect((await runCli(cwd, ["generate"])).code).toBe(0);
    expect((await lstat(join(cwd, "generated/user.test.ts"))).isSymbolicLink()).toBe(true);
    expect(await readdir(outside)).toEqual(["team.ts"]);
    expect(await readFile(join(outside, "team.ts"), "utf8")).toBe("not generated\n");
  });
});

describe("stale files without a manifest, and schemas folders without schemas", () => {
  it("after the manifest is deleted, check reports a file no longer generated as stale, and generate removes it", async () => {
    const cwd = await generatedProject();
    await rm(join(cwd, "generated/cachegen.manifest.json"));
    await rm(join(cwd, "schemas/team.yaml"));
    await writeFile(join(cwd, "schemas/user.yaml"), userSchema.replace(/invalidates:[\s\S]*$/, ""));

    const check = await runCli(cwd, ["check"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^ +stale +team\.ts +no longer generated$/m);
    expect(check.stdout).toMatch(/^ +stale +team\.test\.ts +no longer generated$/m);

    const generate = await runCli(cwd, ["generate"]);
    expect(generate.code).toBe(0);
    expect((await readdir(join(cwd, "generated"))).sort()).toEqual([
      "README.md",
      "cachegen.manifest.json",
      "index.ts",
      "user.test.ts",
      "user.ts",
    ]);
    expect((await runCli(cwd, ["check"])).code).toBe(0);
  });

  it("an empty or mistyped schemas folder is exit 1 and leaves every generated file in place", async () => {
    const cwd = await generatedProject();
    const before = (await readdir(join(cwd, "generated"))).sort();
    await rm(join(cwd, "schemas/user.yaml"));
    await rm(join(cwd, "schemas/team.yaml"));

    const empty = await runCli(cwd, ["generate"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('schemas folder "schemas" (set in cachegen.config.json) holds no schema files');
    const mistyped = await runCli(cwd, ["generate", "--schemas", "shemas"]);
    expect(mistyped.code).toBe(1);
    expect((await runCli(cwd, ["check"])).code).toBe(1);
    expect((await readdir(join(cwd, "generated"))).sort()).toEqual(before);
  });

  it("a file it cannot write is exit 1 with a message naming it, what was written, and what to do (no stack trace)", async () => {
    const cwd = await generatedProject();
    const index = join(cwd, "generated/index.ts");
    await writeFile(join(cwd, "schemas/user.yaml"), userSchema.replace("ttl: 1h", "ttl: 2h"));
    await writeFile(
      join(cwd, "schemas/audit.yaml"),
      "entity: Audit\nkey: id\nfields:\n  id: uuid\nstrategy: cache-aside\nttl: 1m\n",
    );
    const oldIndex = await readFile(index, "utf8");
    execFileSync("chattr", ["+i", index]); // immutable: refused even to root
    try {
      const run = await runCli(cwd, ["generate"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^cachegen: could not write .*generated\/index\.ts \(EPERM\); \d+ file\(s\) were already written or removed \(.*audit\.ts.*\), so the folder is part old, part new\. Fix the cause .*then run cachegen generate again/m,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(await readFile(index, "utf8")).toBe(oldIndex);
      expect(
        (await readdir(join(cwd, "generated"))).filter((name) => name.startsWith(".")),
        "temporary files",
      ).toEqual([]);
    } finally {
      execFileSync("chattr", ["-i", index]);
    }
    expect((await runCli(cwd, ["generate"])).code).toBe(0);
    expect((await runCli(cwd, ["check"])).code).toBe(0);
  });

  it("a manifest a merge left conflict markers in is still its own: generate replaces it, and check is clean after", async () => {
    const cwd = await generatedProject();
    const manifestPath = join(cwd, "generated/cachegen.manifest.json");
    const manifest = await readFile(manifestPath, "utf8");
    await writeFile(
      manifestPath,
      `${manifest.replace(/\n  "files"/, '\n<<<<<<< HEAD\n  "files"')}=======\n>>>>>>> theirs\n`,
    );
    expect((await runCli(cwd, ["check"])).code).toBe(1);
    const generate = await runCli(cwd, ["generate"]);
    expect(generate.stderr).toBe("");
    expect(generate.code).toBe(0);
    expect(await readFile(manifestPath, "utf8")).toBe(manifest);
    expect((await runCli(cwd, ["check"])).code).toBe(0);
  });
});
