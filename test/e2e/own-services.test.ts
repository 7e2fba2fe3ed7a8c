import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const vitest = join(packageRoot, "node_modules", "vitest", "vitest.mjs");

/** Runs part of this suite in a vitest of its own, as `npm test` would on another machine. */
function runSuite(files: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  // Without the variables of the vitest running this test, the child is a run of its own.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST") && name !== "TEST"),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitest, "run", ...files],
      { cwd: packageRoot, env: { ...inherited, NO_COLOR: "1", ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === "number" ? error.code : 0, output: stdout + stderr }),
    );
  });
}

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe("npm test on a machine where no Redis or PostgreSQL is running", () => {
  it("starts a redis-server of its own and an embedded PostgreSQL, and the tests pass against them", async () => {
    const closed = { redis: await freePort(), postgres: await freePort() };
    const { code, output } = await runSuite(
      ["test/runtime/compat.test.ts", "examples/shop/shop.test.ts", "generated/order.test.ts"],
      {
        REDIS_URL: `redis://127.0.0.1:${closed.redis}`,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closed.postgres}/test`,
      },
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(
      new RegExp(
        `no Redis answered at redis://127\\.0\\.0\\.1:${closed.redis}: started redis-server on 127\\.0\\.0\\.1:\\d+`,
      ),
    );
    expect(output).toMatch(/started an embedded PostgreSQL \(PGlite\)/);
    expect(output).toMatch(/Test Files +3 passed \(3\)/);
  }, 180_000);

  it("says in one line how to install redis-server when it is missing", async () => {
    const bin = await mkdtemp(join(tmpdir(), "cachegen-path-"));
    folders.push(bin);
    await symlink(process.execPath, join(bin, "node"));
    const { code, output } = await runSuite(["test/runtime/codec.test.ts"], {
      PATH: bin,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(code).toBe(1);
    const lines = output.split("\n").filter((line) => line.trim() !== "" && !/^ RUN /.test(line));
    expect(lines).toEqual([
      "test setup: the tests need the redis-server binary (they also start servers of their own, to stop and restart), and it is not on PATH: install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)",
    ]);
  }, 60_000);
});
