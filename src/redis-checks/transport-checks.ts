import { ok, warn, type Check } from "./check.js";

/** What the checks need to know of the URL doctor connected with. */
export interface ConnectionTarget {
  readonly host: string;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly hasPassword: boolean;
  readonly loopback: boolean;
}

export function authCheck(target: ConnectionTarget): Check {
  if (target.hasPassword) return ok("auth", `authenticated as ${target.username ?? "default"}`);
  if (target.loopback) return ok("auth", "no password; acceptable on loopback only");
  return warn(
    "auth",
    `no password for ${target.host}: anyone who reaches it can read and flush the cache; create the app's user from \`cachegen acl\` and connect with redis://<user>:<password>@${target.host}`,
  );
}

export function tlsCheck(target: ConnectionTarget): Check {
  if (target.tls) return ok("tls", "rediss://: the connection is encrypted");
  if (target.loopback) return ok("tls", "not used; acceptable on loopback only");
  return warn(
    "tls",
    `traffic to ${target.host} is not encrypted: enable TLS on the server (tls-port) and connect with rediss://`,
  );
}
