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
