/*
 * Redis Cluster slots, and the bucket hash tags that spread one entity's entries over them.
 */

/** Slots of a Redis Cluster. */
export const SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM) of the UTF-8 bytes of `text`: the checksum Redis Cluster hashes keys with. */
export function crc16(text: string, start = 0, end = text.length): number {
  let crc = 0;
  // every read on a Cluster hashes its key: ASCII (the usual key) is hashed without encoding it
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return crc16Bytes(Buffer.from(text.slice(start, end), "utf8"));
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ code) & 0xff]!;
  }
  return crc;
}

function crc16Bytes(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The cluster slot of a key (its hash tag's, when it has a non-empty one), as CLUSTER KEYSLOT answers. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) % SLOTS;
  }
  return crc16(key) % SLOTS;
}

/** FNV-1a (32 bits) of the UTF-16 code units of `text`: a stable hash, the same in every process. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shortest base-36 string hashing to each slot (-1 until found), filled as far as a search needed. */
const tagOfSlot: string[] = [];
let searched = 0;

function tagForSlot(slot: number): string {
  while (tagOfSlot[slot] === undefined) {
    const candidate = searched.toString(36);
    searched++;
    const s = crc16(candidate) % SLOTS;
    tagOfSlot[s] ??= candidate;
  }
  return tagOfSlot[slot]!;
}

const bucketTagsByCount = new Map<number, readonly string[]>();

/**
 * The hash tags of `count` buckets: tag `b` hashes to slot `floor(b * 16384 / count)`, so the
 * buckets sit on evenly spaced slots and spread evenly over the masters of any cluster whose slots
 * are split in ranges (as `redis-cli --cluster create` does). Deterministic: every process finds
 * the same tags (the first base-36 number hashing to each slot).
 */
export function bucketTags(count: number): readonly string[] {
  if (!Number.isInteger(count) || count < 1 || count > SLOTS) {
    throw new TypeError(`cachegen: bucket count must be an integer from 1 to ${SLOTS} (got ${count})`);
  }
  let tags = bucketTagsByCount.get(count);
  if (!tags) {
    tags = Array.from({ length: count }, (_, b) => tagForSlot(Math.floor((b * SLOTS) / count)));
    bucketTagsByCount.set(count, tags);
  }
  return tags;
}
