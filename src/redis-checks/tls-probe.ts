import { connect, type ConnectionOptions, type PeerCertificate } from "node:tls";

/**
 * What a client brings to a TLS server beyond the system's trust store (and NODE_EXTRA_CA_CERTS,
 * which Node adds to it): the CA that signed the server's certificate, and a certificate of its own
 * for servers that ask for one (`tls-auth-clients yes`). PEM bytes, as ioredis' `tls` option takes them.
 */
export interface ClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The server's certificate, as much of it as an operator needs to find it and renew it. */
export interface ServerCertificate {
  /** `CN=localhost`. */
  readonly subject: string;
  readonly issuer: string;
  /** `IP Address:127.0.0.1, DNS:localhost`; empty when it has none. */
  readonly altNames: string;
  readonly validTo: Date;
}

/** What one TLS handshake with the server showed. */
export interface TlsProbe {
  readonly certificate: ServerCertificate;
  /**
   * Why this client refuses the certificate, as Node names it (`CERT_HAS_EXPIRED`,
   * `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...); undefined when it trusts it for the host.
   */
  readonly verifyError: string | undefined;
  /** The server's alert when it ended the connection after the handshake (`tlsv13 alert certificate required`): it refused this client's certificate, or its absence. */
  readonly refusal: string | undefined;
}

/**
 * One TLS handshake with `host:port` that accepts any certificate, so the certificate can be
 * reported even when a client would refuse it, then one PING, whose answer (any answer) shows the
 * server accepted this client. Undefined when no handshake happens: the port does not speak TLS, or
 * nothing answers within `timeoutMs`. Never throws.
 */
export function probeTls(host: string, port: number, tls: ClientTls, timeoutMs: number): Promise<TlsProbe | undefined> {
  return new Promise((resolve) => {
    let shown: Omit<TlsProbe, "refusal"> | undefined;
    const options: ConnectionOptions = { host, port, ...tls, rejectUnauthorized: false };
    const socket = connect(options);
    const finish = (refusal?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(shown && { ...shown, refusal });
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    socket.once("secureConnect", () => {
      const error = socket.authorizationError as unknown;
      shown = {
        certificate: describe(socket.getPeerCertificate()),
        verifyError: error === null || error === undefined ? undefined : errorCode(error),
      };
      socket.write("PING\r\n");
    });
    socket.once("data", () => finish());
    socket.once("error", (error) => finish(shown && alertOf(error.message)));
    socket.once("close", () => finish());
  });
}

function describe(certificate: PeerCertificate): ServerCertificate {
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    altNames: certificate.subjectaltname ?? "",
    validTo: new Date(certificate.valid_to),
  };
}

function distinguishedName(name: PeerCertificate["subject"] | undefined): string {
  return Object.entries(name ?? {})
    .map(([field, value]) => `${field}=${Array.isArray(value) ? value.join("+") : String(value)}`)
    .join(", ");
}

/** Node's `authorizationError` is a code string at runtime, though typed as an Error. */
function errorCode(error: unknown): string {
  return typeof error === "string"
    ? error
    : error instanceof Error
      ? ((error as NodeJS.ErrnoException).code ?? error.message)
      : String(error);
}

/** `alert certificate required` from OpenSSL's `...:ssl3_read_bytes:tlsv13 alert certificate required:...`. */
export function alertOf(message: string): string {
  return /alert [a-z ]+/i.exec(message)?.[0] ?? message;
}
