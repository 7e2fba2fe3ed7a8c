/** Base class of every error the runtime throws on purpose. */
export class CachegenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A key (or index / tag value) that cannot be encoded. Thrown before any Redis or source call. */
export class InvalidKeyError extends CachegenError {}

/** A write-behind save/delete that was NOT queued (Redis refused it, or it was never sent): nothing will reach the source. */
export class CacheUnavailableError extends CachegenError {}

/**
 * A write-behind save/delete whose outcome is unknown: it was sent to Redis but no reply came within
 * `writeTimeoutMs` (or the connection dropped), so it may be queued. Retrying is safe: queued writes
 * reach the source at least once.
 */
export class CacheWriteUnknownError extends CachegenError {}

/** Short, safe rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value}n (bigint)`;
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(shown)} (string)`;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : `Date ${value.toISOString()}`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${String(value)} (${typeof value})`;
}
