import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { aclRefusals } from "../cli/redis-fixtures.js";
import { commandStats, diffStats, SpawnedRedis } from "../support/redis-server.js";
import { makeCertificates, type TestCertificates } from "../support/tls-certificates.js";

// The tests cachegen bakes into generated/ read REDIS_URL, and a rediss:// URL works as it is: ioredis
// turns TLS on for it, and Node trusts the CA of NODE_EXTRA_CA_CERTS (read at process start, so it
// is given to the process that runs the tests, as a CI job would). They run as a user of their own:
// they clean up with SCAN (deleteByPrefix) and PING first, which the application's least-privilege
// user from `cachegen acl` is not granted, and their key prefix is random, under `cachegen-test:`.

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const vitest = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));

let certificates: TestCertificates;
let server: SpawnedRedis;
let admin: Redis;

beforeAll(async () => {
  certificates = makeCertificates();
  server = await SpawnedRedis.start([], { certificates, authClients: "no" });
  admin = new Redis(server.clientOptions());
  await admin.call(
    "ACL",
    "SETUSER",
    "generated-tests",
    "on",
    ">generated-tests-password",
    "~cachegen-test:*",
    "&cachegen-test:*",
    "+@all",
  );
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
  certificates?.remove();
});

it(
  "the generated tests pass over rediss://, as an ACL user, with the CA from NODE_EXTRA_CA_CERTS",
  { timeout: 180_000 },
  async () => {
    const before = await commandStats(admin);
    const env = {
      ...process.env,
      REDIS_URL: `rediss://generated-tests:generated-tests-password@localhost:${server.port}`,
      NODE_EXTRA_CA_CERTS: certificates.caFile,
      NO_COLOR: "1",
    };
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [vitest, "run", "generated/"],
        { cwd: packageRoot, env, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          resolve({ code: typeof error?.code === "number" ? error.code : 0, output: `${stdout}${stderr}` });
        },
      );
    });
    expect(output).not.toContain("generated-tests-password");
    expect(output).toMatch(/Test Files {2}\d+ passed \(\d+\)/);
    expect(code, output).toBe(0);

    // They ran here, over TLS (the server has no plaintext port), and Redis refused them nothing.
    const sent = diffStats(before, await commandStats(admin));
    expect(sent.evalsha ?? 0).toBeGreaterThan(0);
    expect(sent.xreadgroup ?? 0).toBeGreaterThan(0);
    expect(await aclRefusals(admin, "generated-tests")).toEqual([]);
    expect(await admin.dbsize()).toBe(0);
  },
);
