import { UsageError } from "./arguments.js";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** What to do when the server cannot be reached. */
export const UNREACHABLE_ADVICE = "start Redis there, or pass --redis URL (or set REDIS_URL)";

/** The server `doctor` and `inspect` talk to, from `--redis URL`, else REDIS_URL, else the default. */
export interface RedisTarget {
  readonly url: string;
  /** The URL with its password masked: safe to print. */
  readonly shown: string;
  readonly host: string;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly hasPassword: boolean;
  /** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
  readonly loopback: boolean;
}

export function redisTarget(flag: string | undefined, env: NodeJS.ProcessEnv): RedisTarget {
  const url = flag ?? env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const source = flag === undefined && env.REDIS_URL !== undefined ? "REDIS_URL" : "--redis";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${source} ${JSON.stringify(url)} is not a URL; use e.g. redis://user:password@host:6379`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new UsageError(`${source} ${JSON.stringify(url)}: use redis:// or rediss:// (TLS)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const shown = new URL(url);
  if (shown.password !== "") shown.password = "***";
  return {
    url,
    shown: shown.toString().replace(/\/$/, ""),
    host,
    tls: parsed.protocol === "rediss:",
    username: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
    hasPassword: parsed.password !== "",
    loopback: host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host),
  };
}
