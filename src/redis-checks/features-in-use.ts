import type { EntityModel, ProjectModel } from "../model/model.js";
import type { RuntimeFeature } from "../runtime/commands.js";

/** A runtime feature the schemas use, and the entities that use it. */
export interface FeatureInUse {
  readonly feature: RuntimeFeature;
  /** The entities that need it: all of them for connection, read and invalidate. */
  readonly entities: readonly string[];
}

/** Which entities need each feature; a feature no entity needs is left out. */
const neededBy: Readonly<
  Record<Exclude<RuntimeFeature, "cluster-connection" | "maintenance">, (entity: EntityModel) => boolean>
> = {
  connection: () => true,
  read: () => true,
  invalidate: () => true,
  tags: (entity) => entity.tags.length > 0,
  "write-through": (entity) => entity.strategy === "write-through",
  "write-through-writers": (entity) => entity.strategy === "write-through",
  l1: (entity) => entity.l1 !== undefined,
  "write-behind": (entity) => entity.strategy === "write-behind",
};

/**
 * The features the application's repositories use, in a fixed order. Not included: the cluster
 * connection (it depends on the server, not the schemas) and maintenance (an operator's tool).
 */
export function featuresInUse(model: ProjectModel): FeatureInUse[] {
  return Object.entries(neededBy).flatMap(([feature, needs]) => {
    const entities = model.entities.filter(needs).map((entity) => entity.name);
    return entities.length === 0 ? [] : [{ feature: feature as RuntimeFeature, entities }];
  });
}
