import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DAY_MS = 86_400_000;

/** A certificate and its private key, as files (what redis-server and the CLI flags take). */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Certificates made with `openssl` for one test file, in a temp folder (`remove()` deletes it).
 * Leaf certificates are signed by `caFile` unless said otherwise; the server ones name
 * 127.0.0.1 and localhost in their subjectAltName.
 */
export interface TestCertificates {
  readonly dir: string;
  /** The test CA's certificate (PEM), as a file and as the bytes ioredis' `tls.ca` takes. */
  readonly caFile: string;
  readonly ca: Buffer;
  /** Valid for 365 days and 12 hours. */
  readonly server: KeyPair;
  /** Valid for 10 days and 12 hours: doctor warns (under 30 days left). */
  readonly expiringServer: KeyPair;
  /** Expired a day and a half ago. */
  readonly expiredServer: KeyPair;
  /** Names cache.example.internal only: a client connecting to 127.0.0.1 finds the host does not match. */
  readonly otherHostServer: KeyPair;
  /** Signed by its own key, by no CA. */
  readonly selfSignedServer: KeyPair;
  /** A client certificate for servers started with `--tls-auth-clients yes` or `optional`. */
  readonly client: KeyPair;
  remove(): void;
}

/** Makes the CA and every certificate of `TestCertificates` (EC P-256 keys: quick to generate). */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "cgtest-tls-"));
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const newKey = (name: string) => {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`);
    return join(dir, `${name}.key`);
  };

  newKey("ca");
  openssl("req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=cachegen test CA");

  // `openssl ca` (unlike `openssl x509 -req`) takes any start and end date, so a certificate can be expired.
  mkdirSync(join(dir, "issued"));
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(
    join(dir, "ca.cnf"),
    [
      "[ca]",
      "default_ca = test_ca",
      "[test_ca]",
      "database = index.txt",
      "new_certs_dir = issued",
      "serial = serial",
      "default_md = sha256",
      "policy = any_name",
      "unique_subject = no",
      "[any_name]",
      "commonName = supplied",
      // No extendedKeyUsage on the server certificates: a cluster node also presents its certificate as a client (tls-cluster).
      "[server]",
      "subjectAltName = IP:127.0.0.1,DNS:localhost",
      "[other_host]",
      "subjectAltName = DNS:cache.example.internal",
      "[client]",
      "extendedKeyUsage = clientAuth",
      "",
    ].join("\n"),
  );

  const issue = (name: string, commonName: string, extensions: string, fromMs: number, toMs: number): KeyPair => {
    const keyFile = newKey(name);
    openssl("req", "-new", "-key", keyFile, "-out", `${name}.csr`, "-subj", `/CN=${commonName}`);
    // -startdate/-enddate are given in UTC, YYYYMMDDHHMMSSZ
    const date = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
    openssl(
      "ca",
      "-batch",
      "-config",
      "ca.cnf",
      "-cert",
      "ca.crt",
      "-keyfile",
      "ca.key",
      "-in",
      `${name}.csr`,
      "-out",
      `${name}.crt`,
      "-notext",
      "-extensions",
      extensions,
      "-startdate",
      date(fromMs),
      "-enddate",
      date(toMs),
    );
    return { certFile: join(dir, `${name}.crt`), keyFile };
  };

  const now = Date.now();
  const anHourAgo = now - 3_600_000;
  const server = issue("server", "localhost", "server", anHourAgo, now + 365.5 * DAY_MS);
  const expiringServer = issue("expiring", "localhost", "server", anHourAgo, now + 10.5 * DAY_MS);
  const expiredServer = issue("expired", "localhost", "server", now - 30 * DAY_MS, now - 1.5 * DAY_MS);
  const otherHostServer = issue("other-host", "cache.example.internal", "other_host", anHourAgo, now + 365 * DAY_MS);
  const client = issue("client", "cachegen test client", "client", anHourAgo, now + 365 * DAY_MS);

  newKey("self-signed");
  openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    "self-signed.key",
    "-out",
    "self-signed.crt",
    "-days",
    "365",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName = IP:127.0.0.1,DNS:localhost",
  );
  const selfSignedServer = { certFile: join(dir, "self-signed.crt"), keyFile: join(dir, "self-signed.key") };

  const caFile = join(dir, "ca.crt");
  return {
    dir,
    caFile,
    ca: readFileSync(caFile),
    server,
    expiringServer,
    expiredServer,
    otherHostServer,
    selfSignedServer,
    client,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
