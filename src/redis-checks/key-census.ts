import type { EntityKeys, ProjectKeys } from "./entity-layout.js";
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

export interface Census {
  /** By entity name, then by namespace (`<version>.<shapeHash>`): the current one and those of earlier deploys. */
  readonly entities: Map<string, Map<string, NamespaceKeys>>;
  /** Keys under the prefix that are no declared entity's, counted by label (their hash tag, `{Legacy}`). */
  readonly undeclared: Map<string, number>;
  /** The SCAN MATCH pattern used. */
  readonly match: string;
}

/**
 * Counts keys per entity and namespace with SCAN MATCH, COUNT SCAN_BATCH, on every node; never KEYS.
 * Scans everything under the prefix, or with `only`, that entity's keys alone. A pass can be taken
 * in steps (`advance`), so a live view spends a bounded number of calls per refresh.
 */
export class KeyCensus {
  private census: Census;
  private node = 0;
  private cursor = "0";
  /** SCAN calls so far in the pass under way. */
  calls = 0;

  constructor(
    private readonly nodes: readonly KeyNode[],
    private readonly keys: ProjectKeys,
    private readonly only?: EntityKeys,
  ) {
    this.census = this.empty();
  }

  /** The counts of the pass under way (complete once `advance` has returned true). */
  get current(): Census {
    return this.census;
  }

  /**
   * Runs up to `maxCalls` SCAN calls of the pass under way; true when the pass is complete (the next
   * call starts a new pass from an empty census).
   */
  async advance(maxCalls = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.node === this.nodes.length) {
      this.node = 0;
      this.calls = 0;
      this.census = this.empty();
    }
    for (let calls = 0; calls < maxCalls && this.node < this.nodes.length; calls++) {
      const node = this.nodes[this.node]!;
      const [next, found] = await node.redis.scan(this.cursor, "MATCH", this.census.match, "COUNT", SCAN_BATCH);
      this.calls += 1;
      for (const key of found) this.record({ key, node });
      this.cursor = next;
      if (next === "0") this.node += 1;
    }
    return this.node === this.nodes.length;
  }

  private empty(): Census {
    return { entities: new Map(), undeclared: new Map(), match: this.only?.match ?? this.keys.match };
  }

  private record(found: FoundKey): void {
    const role = this.keys.classify(found.key);
    if (role.kind === "undeclared") {
      this.census.undeclared.set(role.label, (this.census.undeclared.get(role.label) ?? 0) + 1);
      return;
    }
    if (role.kind !== "entry") return; // queues are measured by name, not counted
    let namespaces = this.census.entities.get(role.entity);
    if (!namespaces) this.census.entities.set(role.entity, (namespaces = new Map()));
    let keys = namespaces.get(role.namespace);
    if (!keys) namespaces.set(role.namespace, (keys = { count: 0, sample: [] }));
    addToSample(keys, found);
  }
}

/** One complete census (see KeyCensus). */
export async function takeCensus(nodes: readonly KeyNode[], keys: ProjectKeys, only?: EntityKeys): Promise<Census> {
  const census = new KeyCensus(nodes, keys, only);
  await census.advance();
  return census.current;
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
