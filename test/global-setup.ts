import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why `dist/` could not be built for the CLI tests, which run `bin/cachegen.js`; else undefined. */
    cliBuildError: string | undefined;
  }
}

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const builtCli = join(packageRoot, "dist", "cli", "main.js");

/**
 * Builds `dist/` once per test run when it is older than `src/`. A failed build fails only the
 * tests that need it (through `cliBuildError`), not every test in the run.
 */
export default function setup(project: TestProject): void {
  project.provide("cliBuildError", undefined);
  if (existsSync(builtCli) && newestModification(join(packageRoot, "src")) <= statSync(builtCli).mtimeMs) return;
  const build = spawnSync(process.execPath, [join(packageRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
    cwd: packageRoot,
    encoding: "utf8",
  });
  if (build.status !== 0) {
    project.provide("cliBuildError", `npm run build failed:\n${build.stdout}${build.stderr}`);
  }
}

function newestModification(folder: string): number {
  return Math.max(
    ...readdirSync(folder, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
  );
}
