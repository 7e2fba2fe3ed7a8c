import { replyText } from "./replies.js";

/** Redis Stream replies (read with `callBuffer`, so field values stay bytes) as plain entries. */

export interface StreamEntry {
  /** `<ms>-<seq>`. */
  readonly id: string;
  readonly fields: ReadonlyMap<string, Buffer>;
}

function bytes(value: unknown): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), "latin1");
}

/** `[[id, [field, value, ...]], ...]` (XRANGE, XCLAIM, the entries of XAUTOCLAIM); entries without fields are skipped. */
export function entriesOfList(list: unknown): StreamEntry[] {
  if (!Array.isArray(list)) return [];
  const out: StreamEntry[] = [];
  for (const item of list) {
    if (!Array.isArray(item) || !Array.isArray(item[1])) continue;
    const flat: unknown[] = item[1];
    const fields = new Map<string, Buffer>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(replyText(flat[i]), bytes(flat[i + 1]));
    out.push({ id: replyText(item[0]), fields });
  }
  return out;
}

/**
 * The entries of an XREADGROUP of one stream: `[[stream, entries]]` (RESP2, and ioredis 6's default
 * RESP3 "legacy" mapping), `[stream, entries]` or `{ stream: entries }` (other RESP3 mappings); null
 * when the block timed out.
 */
export function entriesOfRead(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    const [first, second] = reply;
    return Array.isArray(first) ? entriesOfList(first[1]) : entriesOfList(second);
  }
  if (typeof reply === "object") return entriesOfList(Object.values(reply)[0]);
  return [];
}

/** Orders stream ids as Redis does. */
export function compareIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms > 0n ? 1 : -1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq > 0n ? 1 : -1;
}

/** The key an entry is queued for, namespace included: entries of one key share it (retries, ownership). */
export function queuedKeyOf(entry: StreamEntry): string {
  return `${entry.fields.get("ns")?.toString("latin1")}\u0000${entry.fields.get("key")?.toString("latin1")}`;
}
