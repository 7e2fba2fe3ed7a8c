import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { RedisServerMissing, requireRedisServer } from "./support/redis-server.js";
import { postgresForTests, redisForTests, type TestService } from "./support/test-services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why `dist/` could not be built for the CLI tests, which run `bin/cachegen.js`; else undefined. */
    cliBuildError: string | undefined;
  }
}

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const builtCli = join(packageRoot, "dist", "cli", "main.js");

/**
 * Once per test run: builds `dist/` when it is older than `src/`, and makes sure a Redis and a
 * PostgreSQL answer. Each is the one at REDIS_URL / DATABASE_URL (defaults: 127.0.0.1:6379 and
 * :5432, database `test`) when it answers, else one of the run's own: a `redis-server` on a free
 * port, an embedded PostgreSQL (PGlite). Their URLs go to every test (and every process a test
 * starts) as REDIS_URL and DATABASE_URL.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildCli(project);
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

/** A failed build fails only the tests that need it (through `cliBuildError`), not every test in the run. */
function buildCli(project: TestProject): void {
  project.provide("cliBuildError", undefined);
  if (existsSync(builtCli) && newestModification(join(packageRoot, "src")) <= statSync(builtCli).mtimeMs) return;
  // As `npm run build` does: files of an earlier build (a module since removed) go.
  rmSync(join(packageRoot, "dist"), { recursive: true, force: true });
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
