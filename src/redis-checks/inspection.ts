import type { EntityModel } from "../model/model.js";
import type { EntityKeys } from "./entity-layout.js";
import type { Census } from "./key-census.js";
import type { KeyNodes } from "./key-nodes.js";
import { measureQueue, type QueueFigures } from "./queue-figures.js";
import { measureSample, type SampleFigures } from "./sample-figures.js";

export interface NamespaceInspection {
  readonly namespace: string;
  /** What `deleteByPrefix` takes to drop the namespace. */
  readonly keyPrefix: string;
  readonly count: number;
  /** Undefined when the namespace holds no key. */
  readonly figures: SampleFigures | undefined;
}

export interface EntityInspection {
  readonly entity: EntityModel;
  readonly current: NamespaceInspection;
  /** Namespaces of earlier deploys (another version or shape hash), sorted. */
  readonly old: readonly NamespaceInspection[];
  /** Write-behind entities only. */
  readonly queue: QueueFigures | undefined;
}

/** Measures what the census found of each entity: its current namespace, old ones, and its queue. */
export async function inspectEntities(
  nodes: KeyNodes,
  entities: readonly EntityKeys[],
  census: Census,
): Promise<EntityInspection[]> {
  return Promise.all(
    entities.map(async (keys) => {
      const found = census.entities.get(keys.entity.name);
      const inspect = async (namespace: string): Promise<NamespaceInspection> => {
        const inNamespace = found?.get(namespace);
        return {
          namespace,
          keyPrefix: keys.namespacePrefix(namespace),
          count: inNamespace?.count ?? 0,
          figures: inNamespace === undefined ? undefined : await measureSample(inNamespace),
        };
      };
      const oldNamespaces = [...(found?.keys() ?? [])].filter((namespace) => namespace !== keys.namespace).sort();
      return {
        entity: keys.entity,
        current: await inspect(keys.namespace),
        old: await Promise.all(oldNamespaces.map(inspect)),
        queue: keys.entity.writeBehind === undefined ? undefined : await measureQueue(nodes, keys),
      };
    }),
  );
}
