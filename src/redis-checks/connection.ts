import type { Redis } from "ioredis";

/** Connecting and each command give up after this long: a check must not hang on a dead server. */
const CHECK_TIMEOUT_MS = 3_000;

/** Why the server could not be reached or identified, worded for the user. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
}

/** `INFO` as fields: `redis_version` -> `7.0.15`. */
export type ServerInfo = ReadonlyMap<string, string>;

export interface ServerConnection {
  readonly redis: Redis;
  readonly info: ServerInfo;
}

/**
 * One connection to the server at `url`, for a short look (no reconnects, no offline queue, each
 * command bounded by CHECK_TIMEOUT_MS), and the server's INFO, which also proves the credentials work.
 * ioredis is the application's peer dependency; it is loaded only here, so the generator's
 * commands run without it.
 */
export async function connectToServer(url: string): Promise<ServerConnection> {
  let Client: typeof Redis;
  try {
    Client = (await import("ioredis")).Redis;
  } catch {
    throw new ConnectionError("ioredis is not installed here; install it (npm install ioredis), the generated repositories need it too");
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
  });
  // ioredis reports the cause (ECONNREFUSED, WRONGPASS) as an event; the rejection only says "closed".
  let cause: Error | undefined;
  redis.on("error", (error: Error) => (cause = error));
  try {
    await redis.connect();
    return { redis, info: parseInfo(await redis.info()) };
  } catch (error) {
    redis.disconnect();
    throw new ConnectionError(describeFailure(cause ?? error));
  }
}

export function parseInfo(text: string): ServerInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(message)) {
    return `${message}; put the right user and password in the URL: redis://user:password@host:port`;
  }
  if (/NOPERM/.test(message)) {
    return `${message}; this user may not run INFO: use a user that may (the rule \`cachegen acl\` prints grants it)`;
  }
  return message;
}

/** Closes a connection without waiting on a server that may be gone. */
export async function closeConnection(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
