import type { EntityModel, ProjectModel } from "../model/model.js";
import { entityKeyLayout, keyNamespace, type EntityKeyLayout } from "../runtime/keys.js";

/** Where the runtime keeps an entity's entries now: the layout of its current namespace. */
export function currentLayout(model: ProjectModel, entity: EntityModel): EntityKeyLayout {
  return entityKeyLayout(model.keyPrefix, entity.name, keyNamespace(entity.version, entity.shapeHash));
}
