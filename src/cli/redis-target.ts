import { configFileSchema } from "../config-schema.js";
import type { ProjectModel } from "../model/model.js";
import type { ConnectionError } from "../redis-checks/connection.js";
import { projectKeys, type ProjectKeys } from "../redis-checks/entity-layout.js";
import type { ClientTls } from "../redis-checks/tls-probe.js";
import { UsageError } from "./arguments.js";
import { DEFAULT_REDIS_URL } from "./command-table.js";
import { redactUrl } from "./redaction.js";
import { readTlsFiles, type TlsFiles } from "./tls-files.js";

/** The server `doctor`, `inspect` and `monitor` talk to, from `--redis URL`, else REDIS_URL, else the default. */
export interface RedisTarget {
  readonly url: string;
  /** The URL with its password (in the user part or the query) masked: safe to print. */
  readonly shown: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The user of the URL (`redis://user:pw@...` or `?username=`), undefined for the default user. */
  readonly username: string | undefined;
  readonly hasPassword: boolean;
  /** The database the URL selects (`redis://host:6379/2` or `?db=2`); 0 when none. */
  readonly db: number;
  /** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
  readonly loopback: boolean;
  /** The files of `--tls-ca`, `--tls-cert` and `--tls-key`, read; undefined when none is given. */
  readonly clientTls: ClientTls | undefined;
}

export function redisTarget(flag: string | undefined, env: NodeJS.ProcessEnv, files: TlsFiles = {}): RedisTarget {
  const url = flag ?? env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const source = flag === undefined && env.REDIS_URL !== undefined ? "REDIS_URL" : "--redis";
  const target = parseRedisUrl(url, source);
  return { ...target, clientTls: readTlsFiles(files, target, source) };
}

/** `source` names where the URL came from in messages: `--redis`, `REDIS_URL`. */
export function parseRedisUrl(url: string, source: string): RedisTarget {
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `${source} ${shown} is not a URL (a port must be a number; encode @ : / in a password as %40 %3A %2F); use e.g. redis://<user>:<password>@<host>:6379`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new UsageError(
      `${source} ${shown}: use redis:// or rediss:// (TLS), e.g. redis://<user>:<password>@<host>:6379`,
    );
  }
  const query = parsed.searchParams;
  const dbText = parsed.pathname.length > 1 ? parsed.pathname.slice(1) : (query.get("db") ?? "0");
  if (!/^\d+$/.test(dbText)) {
    throw new UsageError(`${source} ${shown}: the database after the port must be a number, e.g. redis://host:6379/2`);
  }
  // As ioredis reads it: the user part of the URL, else the query's username and password.
  const fromUserPart = parsed.username !== "" || parsed.password !== "";
  const username = fromUserPart ? decodeURIComponent(parsed.username) : (query.get("username") ?? "");
  const password = fromUserPart ? parsed.password : (query.get("password") ?? "");
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    url,
    shown: shown.replace(/\/$/, ""),
    host,
    port: Number(parsed.port || 6379),
    tls: parsed.protocol === "rediss:",
    username: username === "" ? undefined : username,
    hasPassword: password !== "",
    db: Number(dbText),
    loopback: host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host),
    clientTls: undefined,
  };
}

/** The key names of the project under `--key-prefix P` (the app's own keyPrefix), else the configured prefix. */
export function keysUnderPrefix(model: ProjectModel, flag: string | undefined): ProjectKeys {
  if (flag === undefined) return projectKeys(model);
  if (!configFileSchema.shape.keyPrefix.safeParse(flag).success) {
    throw new UsageError(
      `--key-prefix ${JSON.stringify(flag)}: a key prefix is not empty and has no whitespace, { } * ? [ ] or \\; pass the keyPrefix the app gives its repositories`,
    );
  }
  return projectKeys(model, flag);
}

/** What to do when the server cannot be reached. */
const UNREACHABLE_ADVICE = "start Redis there, or pass --redis URL (or set REDIS_URL)";

/** One line on why the server at `target` could not be used, and what to do. */
export function connectionProblem(target: RedisTarget, failure: ConnectionError): string {
  switch (failure.reason) {
    case "unreachable":
      return `cannot reach ${target.shown}: ${failure.message}; ${UNREACHABLE_ADVICE}${tlsHint(target, failure.message)}`;
    case "auth":
      return `authentication failed at ${target.shown} as ${target.username ?? "default"}: ${failure.message}`;
    case "permission":
      return `${target.shown} refused a command of the connection: ${failure.message}`;
    case "tls":
    case "other":
      return `cannot use ${target.shown}: ${failure.message}`;
  }
}

/**
 * A plaintext port answers a TLS client by silence or garbage. (A TLS port hangs up on a plaintext
 * client: `connectToServer` finds out with a handshake of its own and says so, reason `tls`.)
 */
function tlsHint(target: RedisTarget, message: string): string {
  return target.tls && /ETIMEDOUT|ECONNRESET|Connection is closed|EPROTO|wrong version number/i.test(message)
    ? "; if this port does not speak TLS, use redis://"
    : "";
}
