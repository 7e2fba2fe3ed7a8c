import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import type { ClientTls } from "../redis-checks/tls-probe.js";
import { UsageError } from "./arguments.js";

/** The TLS flags of `doctor`, `inspect` and `monitor` (see the command table). */
export interface TlsFiles {
  readonly "tls-ca"?: string | undefined;
  readonly "tls-cert"?: string | undefined;
  readonly "tls-key"?: string | undefined;
}

/**
 * The files of `--tls-ca`, `--tls-cert` and `--tls-key`, read, and checked the way Node will use
 * them (PEM that parses, a key that matches its certificate), so a wrong file is a usage error
 * naming the flag rather than a connection failure; undefined when none is given. The URL, named
 * by `source` (`--redis`, `REDIS_URL`), must be rediss://. Nothing of the files is ever printed.
 */
export function readTlsFiles(
  files: TlsFiles,
  target: { readonly tls: boolean; readonly shown: string },
  source: string,
): ClientTls | undefined {
  const given = (["tls-ca", "tls-cert", "tls-key"] as const).filter((flag) => files[flag] !== undefined);
  if (given.length === 0) return undefined;
  if (!target.tls) {
    throw new UsageError(
      `--${given[0]} is for a TLS connection, and ${source} ${target.shown} is plaintext: use a rediss:// URL`,
    );
  }
  if ((files["tls-cert"] === undefined) !== (files["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: the client's certificate and its private key");
  }
  const ca = read(files, "tls-ca");
  const cert = read(files, "tls-cert");
  const key = read(files, "tls-key");
  // Node ignores a CA file without a certificate in it, and would then trust only the system's CAs.
  if (ca && !ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(
      `--tls-ca ${files["tls-ca"]} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line); give the CA's certificate in PEM (openssl x509 -inform der -in FILE -out ca.pem converts a DER one)`,
    );
  }
  if (cert && key) usable({ cert, key }, `--tls-cert ${files["tls-cert"]} and --tls-key ${files["tls-key"]}`);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

function read(files: TlsFiles, flag: keyof TlsFiles): Buffer | undefined {
  const file = files[flag];
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `--${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the path of a PEM file`,
    );
  }
}

/** OpenSSL's reason (`no start line`, `key values mismatch`) is enough to go on, and holds nothing of the files. */
function usable(material: ClientTls, flags: string): void {
  try {
    createSecureContext(material);
  } catch (error) {
    const reason = error instanceof Error ? (/::(.+)$/.exec(error.message)?.[1] ?? error.message) : String(error);
    throw new UsageError(
      `${flags} cannot be used (${reason}): give the client's certificate and the private key it was issued for, both in PEM`,
    );
  }
}
