/*
 * The key layout of an entity: its prefix, namespace and the keys that do not depend on an entry.
 * The keys of each entry, index and tag set are the KeySpace's.
 */

/** Normalizes a key prefix: ends with ":" (unless empty), never contains "{" or "}". */
export function normalizePrefix(prefix: string): string {
  if (prefix.includes("{") || prefix.includes("}")) {
    throw new TypeError(
      `cachegen: keyPrefix ${JSON.stringify(prefix)} must not contain "{" or "}" (they would change the cluster hash tag)`,
    );
  }
  if (prefix === "") return "";
  return prefix.endsWith(":") ? prefix : `${prefix}:`;
}

/** An entity's key namespace: `<version>.<shapeHash>` (`EntityDefinition.namespace`). */
export function keyNamespace(version: number, shapeHash: string): string {
  return `${version}.${shapeHash}`;
}

/** The consumer group every write-behind worker of an entity joins on its stream. */
export const CONSUMER_GROUP = "cachegen";

/** The keys of one entity that do not depend on an entry's key. */
export interface EntityKeyLayout {
  /** The normalized key prefix. */
  readonly prefix: string;
  /** `<prefix>{<Entity>}:`: starts every key of the entity, in every namespace. */
  readonly tagged: string;
  /** `<prefix>{<Entity>}:<ns>:` */
  readonly base: string;
  readonly valuePrefix: string;
  readonly leasePrefix: string;
  /** Bumped by `invalidateTag`; part of every lease, so a tag invalidation revokes in-flight fills. */
  readonly epochKey: string;
  /** Pub/sub channel for L1 invalidation. */
  readonly channel: string;
  /** Write-behind stream and dead letters: not namespaced, so a deploy still drains them. */
  readonly streamKey: string;
  readonly deadLetterKey: string;
}

/**
 * The layout of entity `name` in `namespace`. Throws TypeError for a name that is not an
 * identifier, a namespace that is empty or holds `{`, `}` or whitespace, or a bad prefix.
 */
export function entityKeyLayout(prefix: string, name: string, namespace: string): EntityKeyLayout {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`cachegen: entity name ${JSON.stringify(name)} must be an identifier`);
  }
  if (/[{}\s]/.test(namespace) || namespace === "") {
    throw new TypeError(`cachegen: ${name} namespace ${JSON.stringify(namespace)} is invalid`);
  }
  const normalized = normalizePrefix(prefix);
  const tagged = `${normalized}{${name}}:`;
  const base = `${tagged}${namespace}:`;
  return {
    prefix: normalized,
    tagged,
    base,
    valuePrefix: `${base}v:`,
    leasePrefix: `${base}l:`,
    epochKey: `${base}e`,
    channel: `${base}l1`,
    streamKey: `${tagged}q`,
    deadLetterKey: `${tagged}dlq`,
  };
}
