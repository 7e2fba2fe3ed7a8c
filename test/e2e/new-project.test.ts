import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuiltCli } from "../cli/cli-harness.js";
import { typescriptBlockAfter } from "../support/markdown.js";

requireBuiltCli();
const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a command in `cwd`; on failure the error carries stdout and stderr for the report. */
async function sh(cwd: string, command: string, args: string[]) {
  return run(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 32 * 1024 * 1024 });
}

/** Every file under `folder`, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1));
}

describe("a new user's project with the packed tarball, following README's own-project steps", () => {
  let project: string;
  let tarball: string;
  let install: { stdout: string; stderr: string };

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "cachegen-new-project-"));
    // dist/ is fresh (test/global-setup.ts); without --ignore-scripts, prepack would rebuild it under the running tests.
    await sh(packageRoot, "npm", ["pack", "--ignore-scripts", "--pack-destination", project, "--silent"]);
    tarball = (await readdir(project)).find((name) => name.endsWith(".tgz")) ?? "";
    if (!tarball) throw new Error("npm pack produced no tarball");
    await sh(project, "npm", ["init", "-y"]);
    await sh(project, "npm", ["pkg", "set", "type=module"]);
    install = await sh(project, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`, "ioredis@^6"]);
    await sh(project, "npm", ["install", "-D", "--prefer-offline", "--no-audit", "--no-fund", "typescript@~6.0.3", "@types/node@^20", "vitest@^4.1"]);
    await sh(project, "npx", ["tsc", "--init", "--types", "node"]);
  }, 240_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("installs without running or announcing a script of cachegen's, and ships no source maps but its LICENSE", async () => {
    expect(install.stdout + install.stderr).not.toMatch(/cachegen@[^\n]*\((preinstall|install|postinstall|prepare):/);
    const installed = join(project, "node_modules", "cachegen");
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts ?? {}).not.toHaveProperty(script);

    const files = await filesUnder(installed);
    expect(files).toContain("LICENSE");
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(files.filter((file) => file.startsWith("src/"))).toEqual([]);
    for (const file of files.filter((name) => name.endsWith(".js"))) {
      expect(await readFile(join(installed, file), "utf8"), file).not.toContain("sourceMappingURL");
    }
  });

  it("inits, generates, compiles README's quick start under tsc --init's strict settings, runs it and its baked tests", async () => {
    const init = await sh(project, "npx", ["cachegen", "init"]);
    expect(init.stdout).toMatch(/cachegen\.config\.json/);
    expect(init.stdout).toMatch(/schemas\/example\.yaml/);

    const generate = await sh(project, "npx", ["cachegen", "generate"]);
    expect(generate.stdout).toMatch(/written/);
    const generated = await readdir(join(project, "generated"));
    expect(generated).toEqual(expect.arrayContaining(["index.ts", "README.md", "cachegen.manifest.json"]));
    expect(generated.some((name) => name.endsWith(".test.ts"))).toBe(true);

    const readme = await readFile(join(packageRoot, "README.md"), "utf8");
    await writeFile(join(project, "quick-start.ts"), typescriptBlockAfter(readme, "Then, in `quick-start.ts`"));
    await sh(project, "npx", ["tsc"]);
    const quickStart = await sh(project, "node", ["quick-start.js"]);
    expect(quickStart.stdout).toMatch(/^Ada Ada Ada /);

    const tests = await sh(project, "npx", ["vitest", "run", "generated"]);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(tests.stdout).not.toMatch(/failed/);

    const check = await sh(project, "npx", ["cachegen", "check"]);
    expect(check.stdout).toMatch(/up to date/);
  }, 240_000);
});
