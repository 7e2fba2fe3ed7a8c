// A generated test file run where no Redis answers (an app's CI without one): it fails at once,
// with one line naming the URL and what to do, not with hook timeouts and unhandled ioredis errors.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { generate } from "../../src/generate.js";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const folders: string[] = [];

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Runs vitest on one folder as a child process; resolves to its exit code and output. */
function runVitest(folder: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(packageRoot, "node_modules/vitest/vitest.mjs"), "run", "--config", join(folder, "vitest.config.mjs")],
      {
        cwd: folder,
        env: { ...process.env, ...env, NO_COLOR: "1", FORCE_COLOR: "0" },
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => resolve({ code, output }));
  });
}

it("a generated test file without a reachable Redis fails at once, with one line naming the URL and the fixes", async () => {
  const schema = "entity: Note\nkey: id\nfields:\n  id: uuid\n  body: string\nstrategy: read-through\nttl: 1h\n";
  const { files } = await generate({
    files: [{ path: "schemas/note.yaml", text: schema }],
    keyPrefix: "app",
    tests: true,
  });
  // Inside the package, so the generated file resolves vitest and ioredis from its node_modules.
  const folder = await mkdtemp(join(packageRoot, "test", "generator", ".without-redis-"));
  folders.push(folder);
  // The test file under another suffix: a folder left behind by a killed run is no test of the suite's.
  for (const [path, content] of files) await writeFile(join(folder, path.replace(/\.test\.ts$/, ".check.ts")), content);
  await writeFile(
    join(folder, "vitest.config.mjs"),
    `export default { resolve: { alias: { "cachegen/runtime": ${JSON.stringify(join(packageRoot, "src/runtime/index.ts"))}, "cachegen/testing": ${JSON.stringify(join(packageRoot, "src/testing/index.ts"))} } }, test: { root: ${JSON.stringify(folder)}, include: ["*.check.ts"] } };\n`,
  );
  const port = await closedPort();

  const { code, output } = await runVitest(folder, { REDIS_URL: `redis://user:secret@127.0.0.1:${port}` });

  expect(code).not.toBe(0);
  const reasons = output.split("\n").filter((line) => line.startsWith("Error: "));
  expect(reasons).toHaveLength(1);
  expect(reasons[0]).toContain(
    `cannot reach Redis at redis://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})`,
  );
  expect(reasons[0]).toContain('set REDIS_URL to yours, or set "tests": false in cachegen.config.json');
  expect(output).not.toContain("secret");
  expect(output).not.toMatch(/Unhandled error event|timed out/i);
});
