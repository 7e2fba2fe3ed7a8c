import { error, ok, warn, type Check } from "./check.js";
import { probeTls, type ClientTls, type ServerCertificate, type TlsProbe } from "./tls-probe.js";

const DAY_MS = 86_400_000;
/** Fewer days left than this: a warning, so the renewal happens before clients start refusing the server. */
export const EXPIRY_WARNING_DAYS = 30;

/** How to give the CLI and the application a CA of one's own. */
const CA_ADVICE =
  "pass the CA that signed it with --tls-ca FILE (or NODE_EXTRA_CA_CERTS=FILE), and give the application's client the same (ioredis option tls: { ca })";

/** Where a server's certificate is replaced, for the advice to renew it. */
const RENEW_ADVICE =
  "install a renewed certificate on the server (tls-cert-file and tls-key-file, then CONFIG SET them or restart)";

/** The certificate check of the TLS server at `host:port`, as a client with `tls` sees it; one handshake of its own. */
export async function checkCertificate(host: string, port: number, tls: ClientTls, timeoutMs: number): Promise<Check> {
  return certificateCheck(await probeTls(host, port, tls, timeoutMs), host);
}

/**
 * doctor's `certificate` check over rediss://: whose certificate the server shows, until when (a
 * warning under EXPIRY_WARNING_DAYS days left, an error once expired) and whether this client
 * trusts it for `host`; `probe` undefined: no TLS handshake happened. A certificate this client
 * refuses also fails the connection, whose error says what to do, so this check only names it.
 */
export function certificateCheck(probe: TlsProbe | undefined, host: string, now = Date.now()): Check {
  if (probe === undefined)
    return warn(
      "certificate",
      "could not look at it: no TLS handshake with the server; try openssl s_client -connect <host>:<port>",
    );
  const { certificate, verifyError } = probe;
  const until = day(certificate.validTo);
  const names = `${certificate.subject}${certificate.altNames ? ` (${certificate.altNames})` : ""}, issued by ${certificate.issuer}`;
  if (certificate.validTo.getTime() <= now)
    return error(
      "certificate",
      `${names}, expired on ${until} (${days(Math.floor((now - certificate.validTo.getTime()) / DAY_MS))} ago)`,
    );
  const daysLeft = Math.floor((certificate.validTo.getTime() - now) / DAY_MS);
  const validity = `${names}, valid until ${until} (${days(daysLeft)} left)`;
  if (verifyError !== undefined) return error("certificate", `${validity}; not trusted here (${verifyError})`);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    return warn(
      "certificate",
      `${validity}: renew it before then, or clients refuse the connection and the application runs uncached; ${RENEW_ADVICE}`,
    );
  }
  return ok("certificate", `${validity}; trusted for ${host}`);
}

/** What to do when this client refuses the server's certificate; `code` as Node names it. */
export function untrusted(certificate: ServerCertificate | undefined, code: string, host: string): string {
  const names = certificate?.altNames ? ` (${certificate.altNames})` : "";
  switch (code) {
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `the certificate${names} does not name ${host} (${code}): connect with a host name it lists, or reissue it with ${host} in its subjectAltName`;
    case "CERT_HAS_EXPIRED":
      return `the certificate ${certificate ? `expired on ${day(certificate.validTo)}` : "has expired"} (${code}): ${RENEW_ADVICE}`;
    case "CERT_NOT_YET_VALID":
      return `the certificate is not valid yet (${code}): check the clocks of this machine and of the one that issued it`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return `the certificate is signed by a CA this machine does not trust (${code}): ${CA_ADVICE}`;
    default:
      return `the certificate is not trusted here (${code}): check it with openssl s_client -connect ${host}:<port>`;
  }
}

/** The server ended the connection after the handshake: it wants a client certificate, or refused the one given. */
export function clientCertificateRefused(alert: string): string {
  return `the server refused this client's certificate (${alert}): it requires one (tls-auth-clients yes) signed by the CA of its tls-ca-cert-file; pass it with --tls-cert FILE --tls-key FILE, and give the application's client the same (ioredis option tls: { cert, key })`;
}

/** `2027-12-06`. */
function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function days(count: number): string {
  return count === 0 ? "less than a day" : count === 1 ? "1 day" : `${count} days`;
}
