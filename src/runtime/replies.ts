/** Reading Redis replies taken with the `*Buffer` commands (or, on some paths, as strings). */

/**
 * `WRONGTYPE Operation against a key holding the wrong kind of value`: Redis answered, and the key
 * holds another type than the command works on (where cachegen keeps a string: not cachegen's key).
 */
export function isWrongTypeReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("WRONGTYPE");
}

/** A script's reply of one 1/0 per entry, as booleans. */
export function replyFlags(reply: unknown): boolean[] | undefined {
  return Array.isArray(reply) ? reply.map((flag) => Number(flag) === 1) : undefined;
}

/** A reply as text (keys, ids, status words: latin1, byte for byte). */
export function replyText(reply: unknown): string {
  return Buffer.isBuffer(reply) ? reply.toString("latin1") : String(reply);
}

/** A reply as stored bytes; undefined for nil, an empty string or anything that is not a value. */
export function replyBytes(reply: unknown): Buffer | undefined {
  if (Buffer.isBuffer(reply)) return reply.length ? reply : undefined;
  if (typeof reply === "string") return reply.length ? Buffer.from(reply, "latin1") : undefined;
  return undefined;
}
