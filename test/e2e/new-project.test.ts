import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuiltCli } from "../cli/cli-harness.js";
import { typescriptBlockAfter } from "../support/markdown.js";

requireBuiltCli();
const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const npmFlags = ["--prefer-offline", "--no-audit", "--no-fund"];

/** Runs a command in `cwd`; on failure the error carries stdout and stderr for the report. */
async function sh(cwd: string, command: string, args: string[]) {
  return run(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 32 * 1024 * 1024 });
}

/** Every file under `folder`, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1));
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

interface Manifest {
  version: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** A package-lock.json: every installed package by its path. */
interface Lockfile {
  packages: Record<string, { resolved?: string; dev?: boolean }>;
}

/** The tools that only generate code: none of them may reach a production install. */
const generatorOnly = ["@cachegen/generator", "prettier", "handlebars", "yaml"];

describe("a new user's project with the packed tarballs, following README's own-project steps", () => {
  let root: string;
  let project: string;
  let tarballs: { runtime: string; generator: string };
  let install: string;

  beforeAll(async () => {
    // `<root>/cachegen/` holds the tarballs as `npm run pack` leaves them in a checkout, so README's
    // `../cachegen/<tarball>` paths are the ones installed from `<root>/app`.
    root = await mkdtemp(join(tmpdir(), "cachegen-new-project-"));
    const checkout = join(root, "cachegen");
    project = join(root, "app");
    await mkdir(checkout);
    await mkdir(project);
    // Both dist/ folders are fresh (test/global-setup.ts); without --ignore-scripts, prepack would
    // rebuild them under the running tests.
    await sh(packageRoot, "npm", [
      "pack",
      "--workspaces",
      "--include-workspace-root",
      "--ignore-scripts",
      "--pack-destination",
      checkout,
      "--silent",
    ]);
    const version = (await readJson<Manifest>(join(packageRoot, "package.json"))).version;
    tarballs = { runtime: `cachegen-${version}.tgz`, generator: `cachegen-generator-${version}.tgz` };
    expect((await readdir(checkout)).sort()).toEqual([tarballs.runtime, tarballs.generator]);

    await sh(project, "npm", ["init", "-y"]);
    await sh(project, "npm", ["pkg", "set", "type=module"]);
    const runtime = await sh(project, "npm", ["install", ...npmFlags, `../cachegen/${tarballs.runtime}`, "ioredis@^6"]);
    const generator = await sh(project, "npm", [
      "install",
      "-D",
      ...npmFlags,
      `../cachegen/${tarballs.generator}`,
      "typescript@~6.0.3",
      "@types/node@^20",
      "vitest@^4.1",
    ]);
    install = runtime.stdout + runtime.stderr + generator.stdout + generator.stderr;
    await sh(project, "npx", ["tsc", "--init", "--types", "node"]);
  }, 240_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("installs the two tarballs with README's commands", async () => {
    const readme = await readFile(join(packageRoot, "README.md"), "utf8");
    expect(readme).toContain(`npm install ../cachegen/${tarballs.runtime} ioredis\n`);
    expect(readme).toContain(`npm install -D ../cachegen/${tarballs.generator} typescript @types/node vitest\n`);
  });

  it("depends on the runtime, develops with the generator, and never asks a registry for cachegen", async () => {
    const manifest = await readJson<Manifest>(join(project, "package.json"));
    expect(manifest.dependencies).toEqual({
      cachegen: `file:../cachegen/${tarballs.runtime}`,
      ioredis: expect.any(String),
    });
    expect(manifest.devDependencies).toHaveProperty("@cachegen/generator", `file:../cachegen/${tarballs.generator}`);

    // The generator's optional peer `cachegen` is the runtime tarball, not a package of that name
    // from the registry (another `cachegen` may exist there).
    const lockfile = await readJson<Lockfile>(join(project, "package-lock.json"));
    const installedRuntimes = Object.entries(lockfile.packages).filter(([path]) =>
      /(^|\/)node_modules\/cachegen$/.test(path),
    );
    expect(installedRuntimes).toEqual([
      ["node_modules/cachegen", expect.objectContaining({ resolved: `file:../cachegen/${tarballs.runtime}` })],
    ]);
  });

  it("installs without running or announcing a script of either package, which ship no source maps but their LICENSE", async () => {
    expect(install).not.toMatch(/cachegen(\/generator)?@[^\n]*\((preinstall|install|postinstall|prepare):/);
    for (const installed of [
      join(project, "node_modules", "cachegen"),
      join(project, "node_modules", "@cachegen", "generator"),
    ]) {
      const manifest = await readJson<Manifest>(join(installed, "package.json"));
      for (const script of ["preinstall", "install", "postinstall", "prepare"]) {
        expect(manifest.scripts ?? {}, installed).not.toHaveProperty(script);
      }

      const files = await filesUnder(installed);
      expect(files).toContain("LICENSE");
      expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
      expect(files.filter((file) => file.startsWith("src/"))).toEqual([]);
      for (const file of files.filter((name) => name.endsWith(".js"))) {
        expect(await readFile(join(installed, file), "utf8"), file).not.toContain("sourceMappingURL");
      }
    }
  });

  it("inits, generates, compiles README's quick start under tsc --init's strict settings, runs it and its baked tests", async () => {
    const init = await sh(project, "npx", ["cachegen", "init"]);
    expect(init.stdout).toMatch(/cachegen\.config\.json/);
    expect(init.stdout).toMatch(/schemas\/example\.yaml/);
    // The editor schemas init points at are where the installed generator has them.
    const config = await readJson<{ $schema: string }>(join(project, "cachegen.config.json"));
    expect(existsSync(resolve(project, config.$schema)), config.$schema).toBe(true);
    const example = await readFile(join(project, "schemas", "example.yaml"), "utf8");
    const entitySchema = /^# yaml-language-server: \$schema=(.+)$/m.exec(example)?.[1] ?? "";
    expect(existsSync(resolve(project, "schemas", entitySchema)), entitySchema).toBe(true);

    const generate = await sh(project, "npx", ["cachegen", "generate"]);
    expect(generate.stdout).toMatch(/written/);
    expect(generate.stderr).toBe("");
    const generated = await readdir(join(project, "generated"));
    expect(generated).toEqual(expect.arrayContaining(["index.ts", "README.md", "cachegen.manifest.json"]));
    expect(generated.some((name) => name.endsWith(".test.ts"))).toBe(true);

    const readme = await readFile(join(packageRoot, "README.md"), "utf8");
    await writeFile(join(project, "quick-start.ts"), typescriptBlockAfter(readme, "Then, in `quick-start.ts`"));
    await sh(project, "npx", ["tsc", "--outDir", "dist"]);
    const quickStart = await sh(project, "node", ["dist/quick-start.js"]);
    expect(quickStart.stdout).toMatch(/^Ada Ada Ada /);

    const tests = await sh(project, "npx", ["vitest", "run", "--dir", "generated"]);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(tests.stdout).not.toMatch(/failed/);
    // Each generated test file once: the compiled copies in dist/ are not run again.
    const testFiles = generated.filter((name) => name.endsWith(".test.ts")).length;
    expect(tests.stdout).toMatch(new RegExp(`Test Files\\s+${testFiles} passed \\(${testFiles}\\)`));

    const check = await sh(project, "npx", ["cachegen", "check"]);
    expect(check.stdout).toMatch(/up to date/);
  }, 240_000);

  it("installs for production (npm ci --omit=dev) the runtime alone, and the compiled app runs on it", async () => {
    // A copy of the app as a deploy sees it: its manifest, lockfile and compiled code, at the same
    // depth so the lockfile's `../cachegen/` tarball paths hold.
    const production = join(root, "production");
    await mkdir(production);
    for (const file of ["package.json", "package-lock.json"])
      await copyFile(join(project, file), join(production, file));
    await cp(join(project, "dist"), join(production, "dist"), { recursive: true });

    await sh(production, "npm", ["ci", "--omit=dev", ...npmFlags]);
    const installed = await readdir(join(production, "node_modules"));
    expect(installed).toEqual(expect.arrayContaining(["cachegen", "ioredis", "zod", "msgpackr"]));
    for (const name of generatorOnly) expect(existsSync(join(production, "node_modules", name)), name).toBe(false);
    expect(existsSync(join(production, "node_modules", ".bin", "cachegen"))).toBe(false);
    // The adapters' optional peers are not installed, and cachegen/runtime never loads them.
    for (const peer of ["prom-client", "@opentelemetry/api"])
      expect(existsSync(join(production, "node_modules", peer)), peer).toBe(false);

    const quickStart = await sh(production, "node", ["dist/quick-start.js"]);
    expect(quickStart.stdout).toMatch(/^Ada Ada Ada /);
    const adapter = await sh(production, "node", [
      "--input-type=module",
      "-e",
      'await import("cachegen/prometheus")',
    ]).then(
      () => "",
      (error: { stderr: string }) => error.stderr,
    );
    expect(adapter).toMatch(/Cannot find package 'prom-client'/);
  }, 240_000);
});
