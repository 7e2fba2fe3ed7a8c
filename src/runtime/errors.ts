/** Base class of every error the runtime throws on purpose. */
export class CachegenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A key (or index / tag value) that cannot be encoded. Thrown before any Redis or source call. */
export class InvalidKeyError extends CachegenError {}

/**
 * An entity that does not fit its schema: one given to `save`, or a row the source returned (which
 * is then neither returned nor cached). Thrown before the source (save) or Redis (load) is touched.
 */
export class InvalidEntityError extends CachegenError {
  constructor(
    /** The entity's name, e.g. `User`. */
    readonly entity: string,
    /** The encoded key of the entity, or undefined when its key fields do not give one. */
    readonly key: string | undefined,
    /** The field that does not fit, e.g. `createdAt` or `tags[2].name` (`(root)`: the value itself). */
    readonly path: string,
    /** What the schema wants there, e.g. `date`. */
    readonly expected: string,
    /** What was there, rendered short and safe. */
    readonly got: string,
    /** Where the entity came from, e.g. `save` or `source.load`. */
    origin: string,
  ) {
    super(
      `${entity}${key === undefined ? "" : ` ${JSON.stringify(key)}`}: ${origin}: field "${path}": expected ${expected}, got ${got}`,
    );
  }
}

/** A write-behind save/delete that cannot be made durable in Redis. */
export class CacheUnavailableError extends CachegenError {}

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
