import type { Redis } from "ioredis";
import { clientCertificateRefused, untrusted } from "./certificate-check.js";
import { alertOf, probeTls, type ClientTls } from "./tls-probe.js";

/** Connecting and each command give up after this long: a check must not hang on a dead server. */
export const CHECK_TIMEOUT_MS = 3_000;

/**
 * Why the server could not be used: not reached (`unreachable`), credentials refused (`auth`), a
 * command of the connection refused to this user (`permission`: INFO, SELECT), TLS on one side only
 * or a certificate refused (`tls`), or anything else.
 * The message is the server's or the socket's, with what to do about it.
 */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";

  constructor(
    readonly reason: "unreachable" | "auth" | "permission" | "tls" | "other",
    message: string,
  ) {
    super(message);
  }
}

/** `INFO` as fields: `redis_version` -> `7.0.15`. */
export type ServerInfo = ReadonlyMap<string, string>;

export interface ServerConnection {
  readonly redis: Redis;
  readonly info: ServerInfo;
  /** What the connection was opened with, for connections to the other nodes of a cluster. */
  readonly tls: ClientTls | undefined;
}

/**
 * One connection to the server at `url`, for a short look (no reconnects, no offline queue, each
 * command bounded by CHECK_TIMEOUT_MS), and the server's INFO, which also proves the credentials work.
 * `tls` applies to a rediss:// URL. ioredis is the application's peer dependency; it is loaded only
 * here, so the generator's commands run without it.
 */
export async function connectToServer(url: string, tls?: ClientTls): Promise<ServerConnection> {
  let Client: typeof Redis;
  try {
    Client = (await import("ioredis")).Redis;
  } catch {
    throw new ConnectionError(
      "other",
      "ioredis is not installed here; install it (npm install ioredis), the generated repositories need it too",
    );
  }
  const redis = new Client(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    commandTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    // How long a disconnect waits for the socket to end; ioredis' 2 s default delays every exit.
    disconnectTimeout: 100,
    // INFO is read below anyway; ioredis' own ready check would print a warning for a user without it.
    enableReadyCheck: false,
    disableClientInfo: true,
    ...(url.startsWith("rediss:") && { tls: { ...tls } }),
  });
  // ioredis reports the cause (ECONNREFUSED, WRONGPASS) as an event; the rejection only says "closed".
  let cause: Error | undefined;
  redis.on("error", (error: Error) => (cause = error));
  try {
    await redis.connect();
    const info = parseInfo(await redis.info());
    // A refused SELECT (the database of the URL) does not fail the connection: ioredis reports it
    // as an event and stays on database 0, where every command would look at the wrong keys.
    if (cause !== undefined) throw cause;
    return { redis, info, tls };
  } catch (error) {
    redis.disconnect();
    throw await explainTls(url, tls, cause ?? error);
  }
}

/** How Node names a server certificate this client refuses (the socket error's `code`). */
const CERTIFICATE_REFUSED =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_\w+)$/;

/**
 * A failure that TLS may explain, explained by one TLS handshake of our own: a plaintext client
 * that a TLS port hangs up on, a certificate this client refuses (with the certificate's names),
 * a server that refuses this client's certificate or its absence (it hangs up after the handshake,
 * so the client sees only a reset). Anything else as `describeFailure` words it.
 */
async function explainTls(url: string, tls: ClientTls | undefined, error: unknown): Promise<ConnectionError> {
  const failure = describeFailure(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as NodeJS.ErrnoException | undefined)?.code ?? "");
  // The server's alert after the handshake (OpenSSL's code for `tlsv13 alert certificate required`, `alert unknown ca`).
  if (/^ERR_SSL_.*ALERT/.test(code)) return new ConnectionError("tls", clientCertificateRefused(alertOf(message)));
  const hungUp = /ECONNRESET|Connection is closed/i.test(message);
  if (!CERTIFICATE_REFUSED.test(code) && !hungUp) return failure;
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  const secure = url.startsWith("rediss:");
  const probe = await probeTls(host, Number(port || 6379), secure ? { ...tls } : {}, CHECK_TIMEOUT_MS);
  if (!secure) {
    return probe === undefined
      ? failure
      : new ConnectionError(
          "tls",
          `${message}: the server speaks TLS: use rediss:// (with --tls-ca FILE when a CA of your own signed its certificate)`,
        );
  }
  if (CERTIFICATE_REFUSED.test(code))
    return new ConnectionError("tls", `${message}: ${untrusted(probe?.certificate, code, host)}`);
  if (probe?.refusal !== undefined)
    return new ConnectionError("tls", `${message}: ${clientCertificateRefused(probe.refusal)}`);
  return failure;
}

export function parseInfo(text: string): ServerInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function describeFailure(error: unknown): ConnectionError {
  const message = error instanceof Error ? error.message : String(error);
  if (/^NOAUTH/.test(message)) {
    return new ConnectionError(
      "auth",
      `${message}: the server requires a password; put the user and password in the URL: redis://<user>:<password>@<host>:<port> (redis://:<password>@<host>:<port> for the default user)`,
    );
  }
  if (/WRONGPASS|invalid (username-)?password/i.test(message)) {
    return new ConnectionError(
      "auth",
      `${message}: the user or password in the URL is wrong, or the user is off; put the right ones in the URL (redis://<user>:<password>@<host>:<port>), or have an admin check the user (ACL GETUSER <user>)`,
    );
  }
  if (/NOPERM/.test(message) && /'select'/i.test(message)) {
    return new ConnectionError(
      "permission",
      `${message}: the URL names a database, and this user may not SELECT; grant it +select (\`cachegen acl --redis URL\` prints a rule that does)`,
    );
  }
  if (/NOPERM/.test(message)) {
    return new ConnectionError(
      "permission",
      `${message}: this user may not run INFO; use a user that may (the rule \`cachegen acl\` prints grants it)`,
    );
  }
  if (/SELECT is not allowed in cluster mode|DB index is out of range/i.test(message)) {
    return new ConnectionError(
      "other",
      `${message}: the database number in the URL does not exist on this server (a cluster has database 0 only); drop it from the URL (redis://host:port) or use one the server has`,
    );
  }
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPROTO|wrong version number|Connection is closed/i.test(
      message,
    )
  ) {
    return new ConnectionError("unreachable", message);
  }
  return new ConnectionError(
    "other",
    `${message}: check the URL and the server, e.g. with redis-cli -u <the URL> INFO server`,
  );
}

/** Closes a connection without waiting on a server that may be gone. */
export async function closeConnection(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
