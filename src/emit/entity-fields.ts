import type { EntityModel, FieldModel, ProjectModel } from "../model/model.js";

/**
 * Lookups into a validated model. A miss means the model broke its own invariants (validation
 * checks every reference), so it is a bug in cachegen, not a user error.
 */

export function findEntity(project: ProjectModel, name: string): EntityModel {
  const entity = project.entities.find((candidate) => candidate.name === name);
  if (!entity) throw new Error(`cachegen bug: the model refers to an unknown entity ${name}`);
  return entity;
}

export function findField(entity: EntityModel, name: string): FieldModel {
  const field = entity.fields.find((candidate) => candidate.name === name);
  if (!field) throw new Error(`cachegen bug: ${entity.name} refers to an unknown field ${name}`);
  return field;
}

export function lookupFields(entity: EntityModel, names: readonly string[]): FieldModel[] {
  return names.map((name) => findField(entity, name));
}

export function keyFields(entity: EntityModel): FieldModel[] {
  return lookupFields(entity, entity.key);
}
