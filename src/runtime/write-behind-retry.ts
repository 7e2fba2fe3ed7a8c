/** Node's codes for a peer that cannot be reached (or went away mid-call). */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ESOCKETTIMEDOUT",
]);

/**
 * PostgreSQL SQLSTATEs of a server that is unavailable or a transaction worth repeating:
 * 08xxx connection exceptions, 53xxx insufficient resources (too many connections, disk full),
 * 57P01-57P03 shutdown / crash / cannot connect now (restart, failover), 40001 serialization
 * failure, 40P01 deadlock.
 */
const SQLSTATE = /^(08...|53...|57P0[123]|40001|40P01)$/;

/** What drivers say when the connection dropped or never came, without a code (pg, pg-pool). */
const DROPPED =
  /connection terminated|timeout exceeded when trying to connect|connection (was )?closed|socket hang up/i;

/**
 * The default of `WorkerOptions.isRetryable`: whether a source error means "unreachable now" (the
 * write is retried until `retryHorizonMs`) rather than "this write is refused" (dead-lettered after
 * `maxAttempts`). Looks at `code`, the message, `cause` and an AggregateError's `errors` (Node's
 * connect to several addresses).
 */
export function isRetryableSourceError(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
  if (typeof message === "string" && DROPPED.test(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isRetryableSourceError(inner, depth + 1))) return true;
  return isRetryableSourceError(cause, depth + 1);
}
