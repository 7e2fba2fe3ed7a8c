import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppUser } from "../cli/app-user.js";
import { requireBuiltCli, runCli } from "../cli/cli-harness.js";
import { SpawnedRedis, type ServerTls } from "../support/redis-server.js";
import { makeCertificates, type TestCertificates } from "../support/tls-certificates.js";
import { until } from "../support/wait.js";

// doctor, inspect and monitor over rediss://, with the CA from --tls-ca (or NODE_EXTRA_CA_CERTS),
// and what they say when TLS is the problem: the wrong scheme, a certificate this machine does not
// trust (no CA, another host name, expired), one about to expire, a client certificate the server wants.

requireBuiltCli();
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

let certificates: TestCertificates;
const servers: SpawnedRedis[] = [];

beforeAll(() => {
  certificates = makeCertificates();
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  certificates?.remove();
});

/** A TLS-only server showing `serverCertificate` (default: the CA-signed one for 127.0.0.1 and localhost). */
async function tlsServer(
  options: Partial<Omit<ServerTls, "certificates">> = {},
  extraArgs: string[] = [],
): Promise<SpawnedRedis> {
  const server = await SpawnedRedis.start(extraArgs, { certificates, authClients: "no", ...options });
  servers.push(server);
  return server;
}

const url = (server: SpawnedRedis, host = "127.0.0.1") => `rediss://${host}:${server.port}`;

async function doctor(args: readonly string[]) {
  const result = await runCli(packageRoot, ["doctor", ...args]);
  const line = (name: string) => result.stdout.split("\n").find((candidate) => candidate.startsWith(`${name}: `)) ?? "";
  return { ...result, line };
}

/** Runs with NODE_EXTRA_CA_CERTS=`file` in the CLI's environment. */
async function withExtraCa<T>(file: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = file;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
  }
}

describe("cachegen doctor over rediss://", () => {
  it("connects with --tls-ca and reports the certificate: names, issuer, days left", async () => {
    const server = await tlsServer();
    const { code, stderr, line } = await doctor(["--redis", url(server), "--tls-ca", certificates.caFile]);
    expect(stderr).toBe("");
    expect(line("connection")).toMatch(/^connection: ok: connected to rediss:\/\/127\.0\.0\.1:\d+$/);
    expect(line("tls")).toBe("tls: ok: rediss://: the connection is encrypted");
    expect(line("certificate")).toMatch(
      /^certificate: ok: CN=localhost \(IP Address:127\.0\.0\.1, DNS:localhost\), issued by CN=cachegen test CA, valid until \d{4}-\d\d-\d\d \(365 days left\); trusted for 127\.0\.0\.1$/,
    );
    // The rest of the checks ran over the TLS connection (warnings only: the spawned server has no persistence and no maxmemory).
    expect(line("scripting")).toBe("scripting: ok: EVAL and EVALSHA run");
    expect(line("persistence")).toMatch(/^persistence: warn: appendonly no and no RDB save points/);
    expect(code).toBe(0);
  });

  it("takes the CA from NODE_EXTRA_CA_CERTS instead, and a host name the certificate lists", async () => {
    const server = await tlsServer();
    const { line } = await withExtraCa(certificates.caFile, () => doctor(["--redis", url(server, "localhost")]));
    expect(line("connection")).toMatch(/^connection: ok: connected to rediss:\/\/localhost:\d+$/);
    expect(line("certificate")).toMatch(/^certificate: ok: .*; trusted for localhost$/);
  });

  it("warns under 30 days left, saying where to renew it", async () => {
    const server = await tlsServer({ serverCertificate: certificates.expiringServer });
    const { line } = await doctor(["--redis", url(server), "--tls-ca", certificates.caFile]);
    expect(line("connection")).toMatch(/^connection: ok: /);
    expect(line("certificate")).toMatch(
      /^certificate: warn: CN=localhost .*, valid until \d{4}-\d\d-\d\d \(10 days left\): renew it before then, or clients refuse the connection and the application runs uncached; install a renewed certificate on the server \(tls-cert-file and tls-key-file, then CONFIG SET them or restart\)$/,
    );
  });

  it("an expired certificate: the connection fails (exit 1), saying when it expired and what to do", async () => {
    const server = await tlsServer({ serverCertificate: certificates.expiredServer });
    const { code, line } = await doctor(["--redis", url(server), "--tls-ca", certificates.caFile]);
    expect(code).toBe(1);
    expect(line("connection")).toMatch(
      /^connection: error: cannot use rediss:\/\/127\.0\.0\.1:\d+: certificate has expired: the certificate expired on \d{4}-\d\d-\d\d \(CERT_HAS_EXPIRED\): install a renewed certificate on the server/,
    );
    expect(line("certificate")).toMatch(
      /^certificate: error: CN=localhost .*, expired on \d{4}-\d\d-\d\d \(1 day ago\)$/,
    );
  });

  it("a certificate signed by a CA this machine does not trust: pass it with --tls-ca", async () => {
    const server = await tlsServer();
    const { code, line } = await doctor(["--redis", url(server)]);
    expect(code).toBe(1);
    expect(line("connection")).toMatch(
      /^connection: error: cannot use rediss:\/\/127\.0\.0\.1:\d+: self-signed certificate in certificate chain: the certificate is signed by a CA this machine does not trust \(SELF_SIGNED_CERT_IN_CHAIN\): pass the CA that signed it with --tls-ca FILE \(or NODE_EXTRA_CA_CERTS=FILE\), and give the application's client the same \(ioredis option tls: \{ ca \}\)$/,
    );
    expect(line("certificate")).toMatch(
      /^certificate: error: CN=localhost .*, valid until .*; not trusted here \(SELF_SIGNED_CERT_IN_CHAIN\)$/,
    );

    const selfSigned = await tlsServer({ serverCertificate: certificates.selfSignedServer });
    const alone = await doctor(["--redis", url(selfSigned), "--tls-ca", certificates.caFile]);
    expect(alone.line("connection")).toMatch(
      /: self-signed certificate: the certificate is signed by a CA this machine does not trust \(DEPTH_ZERO_SELF_SIGNED_CERT\): pass the CA/,
    );
  });

  it("a certificate for another host: names the hosts it lists, and what to do", async () => {
    const server = await tlsServer({ serverCertificate: certificates.otherHostServer });
    const { code, line } = await doctor(["--redis", url(server), "--tls-ca", certificates.caFile]);
    expect(code).toBe(1);
    expect(line("connection")).toMatch(
      /: the certificate \(DNS:cache\.example\.internal\) does not name 127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\): connect with a host name it lists, or reissue it with 127\.0\.0\.1 in its subjectAltName$/,
    );
    expect(line("certificate")).toMatch(
      /^certificate: error: CN=cache\.example\.internal \(DNS:cache\.example\.internal\), .*not trusted here \(ERR_TLS_CERT_ALTNAME_INVALID\)$/,
    );
  });

  it("a server that requires a client certificate: --tls-cert and --tls-key", async () => {
    const server = await tlsServer({ authClients: "yes" });
    const without = await doctor(["--redis", url(server), "--tls-ca", certificates.caFile]);
    expect(without.code).toBe(1);
    expect(without.line("connection")).toMatch(
      /: the server refused this client's certificate \(alert certificate required\): it requires one \(tls-auth-clients yes\) signed by the CA of its tls-ca-cert-file; pass it with --tls-cert FILE --tls-key FILE/,
    );
    const { certFile, keyFile } = certificates.selfSignedServer;
    const notSignedByItsCa = await doctor([
      "--redis",
      url(server),
      "--tls-ca",
      certificates.caFile,
      "--tls-cert",
      certFile,
      "--tls-key",
      keyFile,
    ]);
    expect(notSignedByItsCa.code).toBe(1);
    expect(notSignedByItsCa.line("connection")).toMatch(
      /: the server refused this client's certificate \(alert [a-z ]+\): it requires one/,
    );
    const withCertificate = await doctor([
      "--redis",
      url(server),
      "--tls-ca",
      certificates.caFile,
      "--tls-cert",
      certificates.client.certFile,
      "--tls-key",
      certificates.client.keyFile,
    ]);
    expect(withCertificate.line("connection")).toMatch(/^connection: ok: /);
    expect(withCertificate.line("certificate")).toMatch(/^certificate: ok: /);
  });

  it("redis:// to a TLS port: the server speaks TLS, use rediss://", async () => {
    const server = await tlsServer();
    const { code, line } = await doctor(["--redis", `redis://127.0.0.1:${server.port}`]);
    expect(code).toBe(1);
    expect(line("connection")).toMatch(
      /^connection: error: cannot use redis:\/\/127\.0\.0\.1:\d+: .*: the server speaks TLS: use rediss:\/\/ \(with --tls-ca FILE when a CA of your own signed its certificate\)$/,
    );
  });

  it("as the cachegen acl user, without printing its password", async () => {
    const server = await tlsServer();
    const admin = new Redis(server.clientOptions());
    try {
      const { password } = await createAppUser(admin, packageRoot, "shop");
      const { stdout, stderr, line } = await doctor([
        "--redis",
        `rediss://shop:${password}@127.0.0.1:${server.port}`,
        "--tls-ca",
        certificates.caFile,
      ]);
      expect(line("auth")).toBe("auth: ok: authenticated as shop");
      expect(line("certificate")).toMatch(/^certificate: ok: /);
      expect(`${stdout}${stderr}`).not.toContain(password);
      expect(stdout).toContain(`rediss://shop:***@127.0.0.1:${server.port}`);
    } finally {
      admin.disconnect();
    }
  });

  it("refuses TLS flags that cannot apply (exit 2)", async () => {
    const server = await tlsServer();
    const plaintext = await runCli(packageRoot, [
      "doctor",
      "--redis",
      `redis://127.0.0.1:${server.port}`,
      "--tls-ca",
      certificates.caFile,
    ]);
    expect(plaintext.code).toBe(2);
    expect(plaintext.stderr).toContain("--tls-ca is for a TLS connection, and --redis redis://127.0.0.1:");
    const halfPair = await runCli(packageRoot, [
      "doctor",
      "--redis",
      url(server),
      "--tls-cert",
      certificates.client.certFile,
    ]);
    expect(halfPair.code).toBe(2);
    expect(halfPair.stderr).toContain("--tls-cert and --tls-key go together");
    const missing = await runCli(packageRoot, [
      "doctor",
      "--redis",
      url(server),
      "--tls-ca",
      `${certificates.dir}/absent.pem`,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--tls-ca .*absent\.pem: cannot read it \(ENOENT\)/);
    const notPem = await runCli(packageRoot, [
      "doctor",
      "--redis",
      url(server),
      "--tls-ca",
      certificates.client.keyFile,
    ]);
    expect(notPem.code).toBe(2);
    expect(notPem.stderr).toMatch(
      /--tls-ca .*client\.key holds no PEM certificate \(no -----BEGIN CERTIFICATE----- line\)/,
    );
    const mismatched = await runCli(packageRoot, [
      "doctor",
      "--redis",
      url(server),
      "--tls-cert",
      certificates.client.certFile,
      "--tls-key",
      certificates.server.keyFile,
    ]);
    expect(mismatched.code).toBe(2);
    expect(mismatched.stderr).toMatch(
      /--tls-cert .*client\.crt and --tls-key .*server\.key cannot be used \(key values mismatch\): give the client's certificate and the private key it was issued for/,
    );
    // Key material never reaches the output.
    for (const { stderr } of [notPem, mismatched]) expect(stderr).not.toContain("PRIVATE KEY");
  });
});

describe("cachegen inspect and monitor over rediss://", () => {
  it("inspect and monitor --once read the server with --tls-ca", async () => {
    const server = await tlsServer();
    const admin = new Redis(server.clientOptions());
    try {
      await admin.set("app:unrelated", "1");
      const inspect = await runCli(packageRoot, ["inspect", "--redis", url(server), "--tls-ca", certificates.caFile]);
      expect(inspect.stderr).toBe("");
      expect(inspect.code).toBe(0);
      expect(inspect.stdout).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+: SCAN MATCH app:\* COUNT 1000 on 1 node;/m);
      const monitor = await runCli(packageRoot, [
        "monitor",
        "--once",
        "--redis",
        url(server),
        "--tls-ca",
        certificates.caFile,
      ]);
      expect(monitor.stderr).toBe("");
      expect(monitor.code).toBe(0);
      expect(monitor.stdout.split("\n")[0]).toBe(`cachegen monitor: ${url(server)}, 1 node, key prefix "app:"`);
    } finally {
      admin.disconnect();
    }
  });

  it("inspect reaches every primary of a TLS cluster (tls-cluster yes) with the same CA", async () => {
    const nodes: SpawnedRedis[] = [];
    for (let i = 0; i < 3; i++)
      nodes.push(
        await tlsServer({}, [
          "--tls-cluster",
          "yes",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          `nodes-${i}.conf`,
        ]),
      );
    const tlsArgs = ["--tls", "--cacert", certificates.caFile];
    await promisify(execFile)("redis-cli", [
      ...tlsArgs,
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const node of nodes) {
      const client = new Redis(node.clientOptions());
      await until(async () => String(await client.cluster("INFO")).includes("cluster_state:ok"), 10_000, 50);
      client.disconnect();
    }
    const { code, stdout, stderr } = await runCli(packageRoot, [
      "inspect",
      "--redis",
      url(nodes[0]!),
      "--tls-ca",
      certificates.caFile,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/ on 3 cluster primaries \(127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\);/);
  });

  it("without the CA, inspect and monitor say what to do (exit 1)", async () => {
    const server = await tlsServer();
    for (const command of [["inspect"], ["monitor", "--once"]]) {
      const { code, stderr } = await runCli(packageRoot, [...command, "--redis", url(server)]);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `^cachegen ${command[0]}: cannot use rediss://127\\.0\\.0\\.1:\\d+: .*\\(SELF_SIGNED_CERT_IN_CHAIN\\): pass the CA that signed it with --tls-ca FILE`,
        ),
      );
    }
  });
});
