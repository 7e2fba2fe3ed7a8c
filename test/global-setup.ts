import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { RedisServerMissing, requireRedisServer } from "./support/redis-server.js";
import { postgresForTests, redisForTests, type TestService } from "./support/test-services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /**
     * Why `dist/` (run by the CLI tests through `bin/cachegen.js`) or the runtime package's
     * `packages/runtime/dist/` (the e2e tests install it) could not be built; else undefined.
     */
    cliBuildError: string | undefined;
  }
}

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Once per test run: builds the generator's `dist/` and the runtime package's
 * (`packages/runtime/dist/`) when older than their sources, and makes sure a Redis and a
 * PostgreSQL answer. Each is the one at REDIS_URL / DATABASE_URL (defaults: 127.0.0.1:6379 and
 * :5432, database `test`) when it answers, else one of the run's own: a `redis-server` on a free
 * port, an embedded PostgreSQL (PGlite). Their URLs go to every test (and every process a test
 * starts) as REDIS_URL and DATABASE_URL.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildPackages(project);
  const services: TestService[] = [];
  const stop = async () => {
    for (const service of services.splice(0).reverse()) await service.stop();
  };
  try {
    requireRedisServer();
    const redis = await redisForTests(process.env.REDIS_URL);
    services.push(redis);
    const postgres = await postgresForTests(process.env.DATABASE_URL);
    services.push(postgres);
    process.env.REDIS_URL = redis.url;
    process.env.DATABASE_URL = postgres.url;
    for (const { note } of services) if (note !== undefined) console.log(`test setup: ${note}`);
  } catch (error) {
    await stop();
    if (error instanceof RedisServerMissing) {
      // One line, not a stack or vitest's report of a run without tests: the fix is an install.
      console.error(`test setup: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  return stop;
}

/** The two packages this repository builds: the generator (root) and the runtime (`cachegen`). */
const builds = [
  {
    dist: join(packageRoot, "dist"),
    sources: join(packageRoot, "src"),
    built: join("cli", "main.js"),
    tsconfig: "tsconfig.build.json",
    /** As `npm run build:generator` does after tsc. */
    after: join("scripts", "precompile-templates.mjs"),
  },
  {
    dist: join(packageRoot, "packages", "runtime", "dist"),
    sources: join(packageRoot, "src", "runtime"),
    built: join("runtime", "index.js"),
    tsconfig: join("packages", "runtime", "tsconfig.json"),
  },
];

/** A failed build fails only the tests that need it (through `cliBuildError`), not every test in the run. */
function buildPackages(project: TestProject): void {
  const failures: string[] = [];
  for (const { dist, sources, built, tsconfig, after } of builds) {
    const builtFile = join(dist, built);
    if (existsSync(builtFile) && newestModification(sources) <= statSync(builtFile).mtimeMs) continue;
    // As `npm run build` does: files of an earlier build (a module since removed) go.
    rmSync(dist, { recursive: true, force: true });
    const build = spawnSync(
      process.execPath,
      [join(packageRoot, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig],
      {
        cwd: packageRoot,
        encoding: "utf8",
      },
    );
    if (build.status !== 0) {
      failures.push(`tsc -p ${tsconfig} failed:\n${build.stdout}${build.stderr}`);
      continue;
    }
    if (after === undefined) continue;
    const step = spawnSync(process.execPath, [join(packageRoot, after)], { cwd: packageRoot, encoding: "utf8" });
    if (step.status !== 0) failures.push(`node ${after} failed:\n${step.stdout}${step.stderr}`);
  }
  project.provide("cliBuildError", failures.length === 0 ? undefined : failures.join("\n"));
}

function newestModification(folder: string): number {
  return Math.max(
    ...readdirSync(folder, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
  );
}
