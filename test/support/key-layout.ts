/**
 * Redis keys of an entry derived from its value key (`repository.keyOf(key)`), by the layout
 * docs/architecture.md documents: `<prefix>{<Entity>}:<ns>:v:<key>` and `...:l:<key>` for its lease.
 */

const VALUE_KEY = /^([^{]*\{[A-Za-z_][A-Za-z0-9_]*\}:[^:]+):v:/;

/** The lease key of the entry whose value key is `valueKey`. */
export function leaseKeyOf(valueKey: string): string {
  if (!VALUE_KEY.test(valueKey)) throw new Error(`not a value key: ${valueKey.slice(0, 80)}`);
  return valueKey.replace(VALUE_KEY, "$1:l:");
}

/** The write-behind stream of entity `name` under the normalized `keyPrefix` (ends in ":"). */
export function streamKeyOf(keyPrefix: string, name: string): string {
  return `${keyPrefix}{${name}}:q`;
}

/** The write-behind dead-letter stream of entity `name` under the normalized `keyPrefix`. */
export function deadLetterKeyOf(keyPrefix: string, name: string): string {
  return `${keyPrefix}{${name}}:dlq`;
}
