import type { EntityModel, IndexModel, ListModel, TagModel } from "../model/model.js";
import { generatedNames, tagMethodName } from "../schema/naming.js";

/** Names of the generated symbols of one entity, shared by every file that refers to them. */

export function entityConstant(entity: EntityModel): string {
  return generatedNames.definition(entity.name);
}

export function repositoryClass(entity: EntityModel): string {
  return generatedNames.repository(entity.name);
}

export function keyType(entity: EntityModel): string {
  return generatedNames.key(entity.name);
}

export function schemaConstant(entity: EntityModel): string {
  return generatedNames.schema(entity.name);
}

export function sourceInterface(entity: EntityModel): string {
  return generatedNames.source(entity.name);
}

export function invalidationTagType(entity: EntityModel): string {
  return generatedNames.invalidationTag(entity.name);
}

export function indexGetter(index: IndexModel): string {
  return `get${index.methodSuffix}`;
}

export function indexLoader(index: IndexModel): string {
  return `load${index.methodSuffix}`;
}

export function listGetter(list: ListModel): string {
  return `list${list.methodSuffix}`;
}

export function listLoader(list: ListModel): string {
  return `loadList${list.methodSuffix}`;
}

export function tagInvalidator(tag: TagModel): string {
  return tagMethodName(tag.methodSuffix);
}

/** The tag's key in the definition's `tags` record: `Team` -> `team`. */
export function tagName(tag: TagModel): string {
  return tag.methodSuffix.charAt(0).toLowerCase() + tag.methodSuffix.slice(1);
}

export function entityModule(entity: EntityModel): string {
  return `./${entity.fileBase}.js`;
}

export function entityFilePath(entity: EntityModel): string {
  return `${entity.fileBase}.ts`;
}

export function entityTestFilePath(entity: EntityModel): string {
  return `${entity.fileBase}.test.ts`;
}
