/*
 * The key layout of an entity: its prefix, namespace, buckets and the keys that do not depend on
 * an entry. The keys of each entry, index and tag set are the KeySpace's.
 *
 * Layout (version 2): `<prefix><Entity>:<ns>:{<bucket tag>}:<kind>:<rest>`. Every key names one
 * of the entity's buckets in its hash tag; the bucket tags sit on evenly spaced cluster slots
 * (`bucketTags`), so an entity spreads over every master. Version 1 (`<prefix>{<Entity>}:<ns>:...`,
 * one slot per entity) is only read by write-behind workers draining its queue (`legacy*` keys).
 */
import { bucketTags, stableHash } from "./slots.js";

/** Mixed into every namespace hash: a layout change is a new namespace. */
export const KEY_LAYOUT_VERSION = 2;

/** Buckets of an entity that is not write-behind. */
export const DEFAULT_BUCKETS = 64;
/** Queue partitions (and buckets) of a write-behind entity whose schema leaves `partitions` out. */
export const DEFAULT_PARTITIONS = 16;
/** The most partitions a write-behind entity may declare (each is a stream a worker reads). */
export const MAX_PARTITIONS = 256;

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

/** The consumer group every write-behind worker of an entity joins on its streams. */
export const CONSUMER_GROUP = "cachegen";

/** The keys of one entity that do not depend on an entry's key. */
export interface EntityKeyLayout {
  /** The normalized key prefix. */
  readonly prefix: string;
  /** `<prefix><Entity>:`: starts every key of the entity, in every namespace (of this layout). */
  readonly root: string;
  /** `<prefix><Entity>:<ns>:` */
  readonly base: string;
  /** How many buckets the entity's entries are spread over (a write-behind entity's partitions). */
  readonly buckets: number;
  /** The hash tag (without braces) of each bucket. */
  readonly bucketTags: readonly string[];
  /** Per bucket: bumped by `invalidateTag`; part of every lease of the bucket, so a tag invalidation revokes in-flight fills. */
  readonly epochKeys: readonly string[];
  /** Pub/sub channel for L1 invalidation. */
  readonly channel: string;
  /** Write-behind streams, one per partition (= bucket), and their dead letters: not namespaced, so a deploy still drains them. */
  readonly streamKeys: readonly string[];
  readonly deadLetterKeys: readonly string[];
  /** `<prefix>{<Entity>}:`: the layout-1 root (one slot per entity). */
  readonly legacyRoot: string;
  /** The single write-behind stream of layout 1 and its dead letters: still drained after the upgrade. */
  readonly legacyStreamKey: string;
  readonly legacyDeadLetterKey: string;
}

/** The bucket of an encoded key, an index's or a tag's lookup value: a stable hash modulo the bucket count. */
export function bucketOf(text: string, buckets: number): number {
  return stableHash(text) % buckets;
}

/**
 * Buckets of an entity: its queue partitions when it has write-behind settings (a write-behind
 * entity, or a definition spread from one: the keys must not depend on the strategy, which is not
 * part of the namespace), else DEFAULT_BUCKETS.
 */
export function bucketCount(writeBehind: { readonly partitions?: number } | undefined): number {
  return writeBehind ? (writeBehind.partitions ?? DEFAULT_PARTITIONS) : DEFAULT_BUCKETS;
}

/**
 * The layout of entity `name` in `namespace` over `buckets` buckets. Throws TypeError for a name
 * that is not an identifier, a namespace that is empty or holds `{`, `}` or whitespace, or a bad prefix.
 */
export function entityKeyLayout(
  prefix: string,
  name: string,
  namespace: string,
  buckets: number = DEFAULT_BUCKETS,
): EntityKeyLayout {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`cachegen: entity name ${JSON.stringify(name)} must be an identifier`);
  }
  if (/[{}\s]/.test(namespace) || namespace === "") {
    throw new TypeError(`cachegen: ${name} namespace ${JSON.stringify(namespace)} is invalid`);
  }
  const normalized = normalizePrefix(prefix);
  const root = `${normalized}${name}:`;
  const base = `${root}${namespace}:`;
  const tags = bucketTags(buckets);
  const legacyRoot = `${normalized}{${name}}:`;
  return {
    prefix: normalized,
    root,
    base,
    buckets,
    bucketTags: tags,
    epochKeys: tags.map((tag) => `${base}{${tag}}:e`),
    channel: `${base}l1`,
    streamKeys: tags.map((tag) => `${root}{${tag}}:q`),
    deadLetterKeys: tags.map((tag) => `${root}{${tag}}:dlq`),
    legacyRoot,
    legacyStreamKey: `${legacyRoot}q`,
    legacyDeadLetterKey: `${legacyRoot}dlq`,
  };
}
