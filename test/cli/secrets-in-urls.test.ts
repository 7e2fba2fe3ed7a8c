import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { requireBuiltCli, runCli, type CliResult } from "./cli-harness.js";

requireBuiltCli();
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The password of every URL below: it must never reach the output, whatever path a message takes. */
const SECRET = "Hunter2-Sw0rdfish";
const redisCommands = ["doctor", "inspect", "monitor"] as const;

let server: SpawnedRedis;
let port: number;

beforeAll(async () => {
  server = await SpawnedRedis.start();
  port = server.port;
  const admin = new Redis({ host: "127.0.0.1", port });
  await admin.call("ACL", "SETUSER", "ops", "on", `>${SECRET}`, "~*", "&*", "+@all");
  await admin.config("SET", "requirepass", SECRET);
  await admin.quit();
});

afterAll(async () => {
  await server?.stop();
});

/** Runs `cachegen <args>` (with REDIS_URL set when given) and checks nothing printed holds the secret. */
async function run(args: readonly string[], redisUrl?: string): Promise<CliResult> {
  const saved = process.env.REDIS_URL;
  if (redisUrl !== undefined) process.env.REDIS_URL = redisUrl;
  else delete process.env.REDIS_URL;
  // runCli reads the environment when it starts the process, so runs may overlap.
  const running = runCli(packageRoot, args);
  if (saved === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = saved;
  const result = await running;
  const printed = `${result.stdout}${result.stderr}`;
  expect(printed, `cachegen ${args.join(" ")}`).not.toContain(SECRET);
  expect(printed, `cachegen ${args.join(" ")}`).not.toContain("Sw0rdfish");
  expect(printed, `cachegen ${args.join(" ")}`).toContain("***");
  return result;
}

describe("a Redis URL's password is never printed", () => {
  it("in usage errors: a URL that does not parse, another scheme, no scheme, a bad database (--redis and REDIS_URL)", async () => {
    const urls = [
      `redis://ops:${SECRET}@127.0.0.1:notaport`,
      `http://ops:${SECRET}@127.0.0.1:6379`,
      `ops:${SECRET}@127.0.0.1:6379`,
      `rediss://:${SECRET}@[::1`,
      `redis://127.0.0.1:6379/two?password=${SECRET}`,
    ];
    for (const url of urls) {
      await Promise.all([
        ...redisCommands.map(async (command) => {
          const flag = await run([command, "--redis", url]);
          expect(flag.code, `${command} --redis ${url}`).toBe(2);
          expect(flag.stderr).toMatch(new RegExp(`^cachegen ${command}: --redis `));
        }),
        ...redisCommands.map(async (command) => {
          const environment = await run([command], url);
          expect(environment.code, `REDIS_URL=${url} ${command}`).toBe(2);
          expect(environment.stderr).toMatch(new RegExp(`^cachegen ${command}: REDIS_URL `));
        }),
        run(["acl", "--redis", url]).then(({ code }) => expect(code, `acl --redis ${url}`).toBe(2)),
      ]);
    }
  });

  it("in usage errors about arguments: a URL given without --redis", async () => {
    const url = `redis://ops:${SECRET}@127.0.0.1:${port}`;
    for (const command of ["doctor", "monitor", "acl"]) expect((await run([command, url])).code, command).toBe(2);
    const inspect = await run(["inspect", url]);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toContain(`cachegen inspect: no entity "redis://ops:***@127.0.0.1:${port}" in the schemas`);
    expect((await run(["inspect", "Order", url])).code).toBe(2);
  });

  it("in connection errors: nothing listens there", async () => {
    const free = await freePort();
    for (const url of [`redis://ops:${SECRET}@127.0.0.1:${free}`, `redis://127.0.0.1:${free}?password=${SECRET}`]) {
      for (const { code, stdout, stderr } of await Promise.all(
        redisCommands.map((command) => run([command, "--redis", url, ...(command === "monitor" ? ["--once"] : [])])),
      )) {
        expect(code, url).toBe(1);
        expect(`${stdout}${stderr}`).toMatch(
          /cannot reach redis:\/\/(ops:\*\*\*@)?127\.0\.0\.1:\d+(\?password=\*\*\*)?: connect ECONNREFUSED/,
        );
      }
    }
  });

  it("in authentication errors: a user the server does not know, a wrong password in the query", async () => {
    const urls = [`redis://nobody:${SECRET}@127.0.0.1:${port}`, `redis://127.0.0.1:${port}?password=${SECRET}-old`];
    for (const url of urls) {
      for (const { code, stdout, stderr } of await Promise.all(
        redisCommands.map((command) => run([command, "--redis", url, ...(command === "monitor" ? ["--once"] : [])])),
      )) {
        expect(code, url).toBe(1);
        expect(`${stdout}${stderr}`).toMatch(
          /authentication failed at redis:\/\/(nobody:\*\*\*@)?127\.0\.0\.1:\d+(\?password=\*\*\*)? as (nobody|default): WRONGPASS/,
        );
      }
    }
  });

  it("in reports: the right password in the user part or in the query", async () => {
    for (const url of [`redis://ops:${SECRET}@127.0.0.1:${port}`, `redis://127.0.0.1:${port}?password=${SECRET}`]) {
      const doctor = await run(["doctor", "--redis", url]);
      expect(doctor.code, url).toBe(0);
      expect(doctor.stdout).toMatch(
        /^connection: ok: connected to redis:\/\/(ops:\*\*\*@)?127\.0\.0\.1:\d+(\?password=\*\*\*)?$/m,
      );
      expect(doctor.stdout).toMatch(/^auth: ok: authenticated as (ops|default)$/m);
      const inspect = await run(["inspect", "--redis", url]);
      expect(inspect.code, url).toBe(0);
      const monitor = await run(["monitor", "--once", "--redis", url]);
      expect(monitor.code, url).toBe(0);
      expect(monitor.stdout.split("\n")[0]).toMatch(
        /^cachegen monitor: redis:\/\/(ops:\*\*\*@)?127\.0\.0\.1:\d+(\?password=\*\*\*)?, 1 node/,
      );
    }
    const acl = await runCli(packageRoot, ["acl", "--redis", `redis://ops:${SECRET}@127.0.0.1:${port}/2`]);
    expect(acl.code).toBe(0);
    expect(acl.stdout).not.toContain(SECRET);
    expect(acl.stdout).toContain(" +select ");
  });
});
