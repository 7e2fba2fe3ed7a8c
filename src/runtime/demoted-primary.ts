import type { CommandClient } from "./command-client.js";

/** A client is reconnected at most this often however many calls get READONLY. */
const RECONNECT_INTERVAL_MS = 1_000;

const reconnectedAt = new WeakMap<object, number>();

/** `READONLY You can't write against a read only replica.`, alone or inside a script's error. */
export function isReadOnlyReply(error: unknown): boolean {
  return error instanceof Error && /\bREADONLY\b/.test(error.message);
}

/**
 * A READONLY reply means the connection reaches a replica: typically a primary demoted by a failover
 * while this client stayed connected to it. ioredis reconnects only when the socket fails (or when
 * the application set `reconnectOnError`), so every later write would fail for good. Reconnecting
 * finds the new primary: a Sentinel client asks the sentinels again, a DNS name is resolved again.
 * At most once a second per client; not for a Cluster (ioredis follows its slot map there). True when
 * it reconnected.
 */
export function reconnectIfDemoted(client: CommandClient, error: unknown): boolean {
  if (client.isCluster || !isReadOnlyReply(error)) return false;
  const now = Date.now();
  if (now - (reconnectedAt.get(client) ?? Number.NEGATIVE_INFINITY) < RECONNECT_INTERVAL_MS) return false;
  reconnectedAt.set(client, now);
  client.disconnect(true);
  return true;
}
