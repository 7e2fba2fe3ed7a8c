import { escapeGlob } from "../runtime/key-encoding.js";
import type { EntityKeyLayout } from "../runtime/keys.js";
import type { KeyNode } from "./key-nodes.js";

/** SCAN's COUNT: keys looked at per round trip. */
export const SCAN_BATCH = 1000;
/** Keys kept per namespace to measure memory and TTLs on. */
export const SAMPLE_SIZE = 100;

export interface FoundKey {
  readonly key: string;
  readonly node: KeyNode;
}

/** The keys of one namespace of one entity: how many, and a uniform sample of them. */
export interface NamespaceKeys {
  count: number;
  readonly sample: FoundKey[];
}

/** What a scan found of one declared entity. */
export interface EntityKeys {
  /** By namespace (`<version>.<shapeHash>`), the current one and those of earlier deploys. */
  readonly namespaces: Map<string, NamespaceKeys>;
  /** The write-behind stream and dead-letter stream, where they exist. */
  queue?: FoundKey;
  deadLetters?: FoundKey;
}

export interface Census {
  /** By entity name. */
  readonly entities: Map<string, EntityKeys>;
  /** Keys under the prefix that are no declared entity's, counted by hash tag (`{Legacy}`). */
  readonly undeclared: Map<string, number>;
  /** The SCAN MATCH pattern used. */
  readonly match: string;
}

/**
 * Counts keys per entity and namespace with SCAN MATCH in batches of SCAN_BATCH, on every node;
 * never KEYS. Scans everything under `prefix`, or with `only`, that entity's keys alone.
 */
export async function takeCensus(
  nodes: readonly KeyNode[],
  prefix: string,
  layouts: ReadonlyMap<string, EntityKeyLayout>,
  only?: EntityKeyLayout,
): Promise<Census> {
  const census: Census = { entities: new Map(), undeclared: new Map(), match: `${escapeGlob(only?.tagged ?? prefix)}*` };
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.redis.scan(cursor, "MATCH", census.match, "COUNT", SCAN_BATCH);
      cursor = next;
      for (const key of keys) record(census, layouts, { key, node });
    } while (cursor !== "0");
  }
  return census;
}

function record(census: Census, layouts: ReadonlyMap<string, EntityKeyLayout>, found: FoundKey): void {
  const { key } = found;
  const entry = [...layouts].find(([, layout]) => key.startsWith(layout.tagged));
  if (entry === undefined) {
    const hashTag = /\{[^}]*\}/.exec(key)?.[0] ?? "(no hash tag)";
    census.undeclared.set(hashTag, (census.undeclared.get(hashTag) ?? 0) + 1);
    return;
  }
  const [name, layout] = entry;
  let keys = census.entities.get(name);
  if (!keys) census.entities.set(name, (keys = { namespaces: new Map() }));
  if (key === layout.streamKey) keys.queue = found;
  else if (key === layout.deadLetterKey) keys.deadLetters = found;
  else {
    const rest = key.slice(layout.tagged.length);
    const namespace = rest.includes(":") ? rest.slice(0, rest.indexOf(":")) : rest;
    if (!/^[^{}\s]+$/.test(namespace)) {
      const label = `{${name}} (not a cachegen key)`;
      census.undeclared.set(label, (census.undeclared.get(label) ?? 0) + 1);
      return;
    }
    let inNamespace = keys.namespaces.get(namespace);
    if (!inNamespace) keys.namespaces.set(namespace, (inNamespace = { count: 0, sample: [] }));
    addToSample(inNamespace, found);
  }
}

/** Reservoir sampling: after n keys, each has had the same chance to be in the sample. */
function addToSample(keys: NamespaceKeys, found: FoundKey): void {
  keys.count += 1;
  if (keys.sample.length < SAMPLE_SIZE) {
    keys.sample.push(found);
    return;
  }
  const slot = Math.floor(Math.random() * keys.count);
  if (slot < SAMPLE_SIZE) keys.sample[slot] = found;
}
