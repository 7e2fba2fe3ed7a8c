import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a command in `cwd`; on failure the error carries stdout and stderr for the report. */
async function sh(cwd: string, command: string, args: string[]) {
  return run(command, args, {
    cwd,
    env: {
      ...process.env,
      NO_COLOR: "1",
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    },
    maxBuffer: 32 * 1024 * 1024,
  });
}

describe("a new user's project with the packed tarball", () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "cachegen-new-project-"));
    await sh(packageRoot, "npm", ["pack", "--pack-destination", project, "--silent"]);
    const tarball = (await readdir(project)).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack produced no tarball");
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "new-project", private: true, type: "module" }, null, 2),
    );
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            noUncheckedIndexedAccess: true,
            exactOptionalPropertyTypes: true,
            verbatimModuleSyntax: true,
            skipLibCheck: true,
            noEmit: true,
            types: ["node"],
          },
          include: ["generated"],
        },
        null,
        2,
      ),
    );
    await sh(project, "npm", [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      `./${tarball}`,
      "ioredis@^6",
      "vitest@^4.1",
      "typescript@~6.0.3",
      "@types/node@^20",
    ]);
  }, 240_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("inits, generates, compiles under strict flags and passes its baked tests", async () => {
    const init = await sh(project, "npx", ["cachegen", "init"]);
    expect(init.stdout).toMatch(/cachegen\.config\.json/);
    expect(init.stdout).toMatch(/schemas\/example\.yaml/);

    const generate = await sh(project, "npx", ["cachegen", "generate"]);
    expect(generate.stdout).toMatch(/written/);
    const generated = await readdir(join(project, "generated"));
    expect(generated).toEqual(
      expect.arrayContaining(["index.ts", "README.md", "cachegen.manifest.json"]),
    );
    expect(generated.some((name) => name.endsWith(".test.ts"))).toBe(true);

    await sh(project, "npx", ["tsc", "-p", "tsconfig.json"]);

    const tests = await sh(project, "npx", ["vitest", "run", "generated"]);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(tests.stdout).not.toMatch(/failed/);

    const check = await sh(project, "npx", ["cachegen", "check"]);
    expect(check.stdout).toMatch(/up to date/);
  }, 240_000);
});
