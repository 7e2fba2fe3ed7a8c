import { DEFAULT_PARTITIONS, entityKeyLayout } from "../../src/runtime/keys.js";

/**
 * Redis keys of an entry derived from its value key (`repository.keyOf(key)`), by the layout
 * docs/architecture.md documents: `<prefix><Entity>:<ns>:{<bucket tag>}:v:<key>` and `...:l:<key>`
 * for its lease.
 */

const VALUE_KEY = /^([^{]*\{[^}]+\}):v:/;

/** The lease key of the entry whose value key is `valueKey`. */
export function leaseKeyOf(valueKey: string): string {
  if (!VALUE_KEY.test(valueKey)) throw new Error(`not a value key: ${valueKey.slice(0, 80)}`);
  return valueKey.replace(VALUE_KEY, "$1:l:");
}

/** The write-behind streams (one per partition) of entity `name` under the normalized `keyPrefix` (ends in ":"). */
export function streamKeysOf(keyPrefix: string, name: string, partitions = DEFAULT_PARTITIONS): readonly string[] {
  return entityKeyLayout(keyPrefix, name, "0", partitions).streamKeys;
}

/** The write-behind dead-letter streams (one per partition) of entity `name` under the normalized `keyPrefix`. */
export function deadLetterKeysOf(keyPrefix: string, name: string, partitions = DEFAULT_PARTITIONS): readonly string[] {
  return entityKeyLayout(keyPrefix, name, "0", partitions).deadLetterKeys;
}

interface StreamReader {
  xlen(key: string): Promise<number>;
  xrange(key: string, start: string, end: string): Promise<[string, string[]][]>;
}

/** Entries in all the streams of `keys`, summed (an entity's partitions). */
export async function totalLength(redis: StreamReader, keys: readonly string[]): Promise<number> {
  return (await Promise.all(keys.map((key) => redis.xlen(key)))).reduce((sum, n) => sum + n, 0);
}

/** The entries of all the streams of `keys` (an entity's partitions, one after the other). */
export async function allEntries(redis: StreamReader, keys: readonly string[]): Promise<[string, string[]][]> {
  return (await Promise.all(keys.map((key) => redis.xrange(key, "-", "+")))).flat();
}
