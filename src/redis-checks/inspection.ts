import type { EntityModel, ProjectModel } from "../model/model.js";
import { entityKeyLayout, keyNamespace } from "../runtime/keys.js";
import { currentLayout } from "./entity-layout.js";
import type { Census } from "./key-census.js";
import { measureQueue, type QueueFigures } from "./queue-figures.js";
import { measureSample, type SampleFigures } from "./sample-figures.js";

export interface NamespaceInspection {
  readonly namespace: string;
  /** `<prefix>{<Entity>}:<ns>:`: what `deleteByPrefix` takes to drop the namespace. */
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
  readonly deadLetterKey: string;
}

/** Measures what the census found of each entity: its current namespace, old ones, its queue. */
export async function inspectEntities(model: ProjectModel, entities: readonly EntityModel[], census: Census): Promise<EntityInspection[]> {
  return Promise.all(
    entities.map(async (entity) => {
      const found = census.entities.get(entity.name);
      const current = keyNamespace(entity.version, entity.shapeHash);
      const inspect = async (namespace: string): Promise<NamespaceInspection> => {
        const keys = found?.namespaces.get(namespace);
        return {
          namespace,
          keyPrefix: entityKeyLayout(model.keyPrefix, entity.name, namespace).base,
          count: keys?.count ?? 0,
          figures: keys === undefined ? undefined : await measureSample(keys),
        };
      };
      const oldNamespaces = [...(found?.namespaces.keys() ?? [])].filter((namespace) => namespace !== current).sort();
      return {
        entity,
        current: await inspect(current),
        old: await Promise.all(oldNamespaces.map(inspect)),
        queue: entity.writeBehind === undefined ? undefined : await measureQueue(found),
        deadLetterKey: currentLayout(model, entity).deadLetterKey,
      };
    }),
  );
}
