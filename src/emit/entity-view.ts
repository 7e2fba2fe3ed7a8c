import type { EntityModel, FieldModel, ProjectModel, Strategy } from "../model/model.js";
import { definitionView, type DefinitionView } from "./definition-view.js";
import { findEntity, keyFields, lookupFields } from "./entity-fields.js";
import { fieldSchema, fieldSignature, parameterList, usesJson, valueType } from "./field-types.js";
import {
  entityConstant,
  entityModule,
  indexGetter,
  indexLoader,
  repositoryClass,
  tagInvalidator,
} from "./names.js";
import { objectLiteral, parameterName, propertyKey, stringLiteral } from "./typescript-syntax.js";

/** Everything `templates/entity.ts.hbs` lays out, as finished TypeScript fragments. */
export interface EntityView {
  readonly sourceFile: string;
  readonly name: string;
  readonly constant: string;
  readonly repositoryClass: string;
  readonly runtimeImports: string;
  readonly entityImports: readonly { constant: string; module: string }[];
  readonly fields: readonly { key: string; signature: string; schema: string; comment: string }[];
  readonly keyFields: readonly { signature: string }[];
  readonly sourceDoc: readonly string[];
  readonly writesRequired: boolean;
  /** Write-behind: the worker writes batches (`saveMany` / `deleteMany`) where the source has them. */
  readonly batchWrites: boolean;
  readonly tagDoc: string;
  readonly tagType: string;
  readonly definition: DefinitionView;
  readonly repositoryBase: string;
  readonly optionsType: string;
  readonly indexes: readonly IndexView[];
  readonly tags: readonly TagView[];
}

interface IndexView {
  readonly getter: string;
  readonly loader: string;
  readonly name: string;
  readonly parameters: string;
  readonly arguments: string;
}

interface TagView {
  readonly invalidator: string;
  readonly parameters: string;
  readonly tagObject: string;
}

const sourceRoles: Record<Strategy, string> = {
  "cache-aside": "A miss calls `load`, unless `get(key, load)` passes its own loader.",
  "read-through": "Every miss loads from here (`loadMany`, where given, for the misses of `getMany`).",
  "write-through": "Misses load from here; `save` writes here first, then the cache takes the new value.",
  "write-behind":
    "Misses load from here; the worker (`startWorker()`) applies queued saves and deletes at least once (a redelivery repeats a write): keep them idempotent.",
};

export function entityView(entity: EntityModel, project: ProjectModel): EntityView {
  const writesRequired = entity.strategy === "write-through" || entity.strategy === "write-behind";
  const indexes = entity.indexes.map((index) => {
    const fields = lookupFields(entity, index.fields);
    return {
      getter: indexGetter(index),
      loader: indexLoader(index),
      name: stringLiteral(index.name),
      parameters: parameterList(fields),
      arguments: fields.map((field) => parameterName(field.name)).join(", "),
    };
  });
  return {
    sourceFile: entity.sourceFile,
    name: entity.name,
    constant: entityConstant(entity),
    repositoryClass: repositoryClass(entity),
    runtimeImports: runtimeImports(entity),
    entityImports: invalidatedEntities(entity, project).map((target) => ({
      constant: entityConstant(target),
      module: entityModule(target),
    })),
    fields: entity.fields.map((field) => ({
      key: propertyKey(field.name),
      signature: fieldSignature(field),
      schema: fieldSchema(field),
      comment: fieldComment(field),
    })),
    keyFields: keyFields(entity).map((field) => ({ signature: fieldSignature(field) })),
    sourceDoc: [
      `The system of record for ${entity.name}.`,
      sourceRoles[entity.strategy],
      ...versionFenceDoc(entity),
      ...indexes.map((index) => `\`${index.loader}\` serves \`${index.getter}\` on a miss.`),
    ],
    writesRequired,
    batchWrites: entity.strategy === "write-behind",
    tagDoc: entity.tags.map((tag) => `\`${tag.pattern}\``).join(", "),
    tagType: tagType(entity),
    definition: definitionView(entity, project),
    repositoryBase: repositoryBase(entity.strategy),
    optionsType: optionsType(entity.strategy),
    indexes,
    tags: entity.tags.map((tag) => {
      const fields = lookupFields(entity, tag.fields);
      return {
        invalidator: tagInvalidator(tag),
        parameters: parameterList(fields),
        tagObject: objectOfParameters(fields),
      };
    }),
  };
}

/** Write-behind with a version: a late redelivery must not overwrite a newer row. */
function versionFenceDoc(entity: EntityModel): string[] {
  if (entity.strategy !== "write-behind" || entity.versionField === undefined) return [];
  const field = entity.versionField;
  return [`Fence writes on \`${field}\` (\`WHERE ${field} < $new\`), so a late redelivery never overwrites a newer row.`];
}

function runtimeImports(entity: EntityModel): string {
  const values = ["defineEntity", repositoryBase(entity.strategy), "z"];
  const types = [
    ...(entity.fields.some((field) => usesJson(field.type)) ? ["JsonValue"] : []),
    optionsType(entity.strategy),
  ];
  return [...values, ...types.map((type) => `type ${type}`)].join(", ");
}

function repositoryBase(strategy: Strategy): string {
  return strategy === "write-behind" ? "WriteBehindRepository" : "Repository";
}

function optionsType(strategy: Strategy): string {
  return strategy === "cache-aside" ? "CacheAsideRepositoryOptions" : "RepositoryOptions";
}

/** Entities this one's writes invalidate, each once, excluding itself (it needs no import). */
function invalidatedEntities(entity: EntityModel, project: ProjectModel): EntityModel[] {
  const names = [...new Set(entity.invalidates.map((rule) => rule.entity))].filter((name) => name !== entity.name);
  return names.map((name) => findEntity(project, name));
}

function tagType(entity: EntityModel): string {
  if (entity.tags.length === 0) return "never";
  return entity.tags.map((tag) => objectType(lookupFields(entity, tag.fields))).join(" | ");
}

function objectType(fields: readonly FieldModel[]): string {
  return `{ ${fields.map((field) => `${propertyKey(field.name)}: ${valueType(field.type)}`).join("; ")} }`;
}

function objectOfParameters(fields: readonly FieldModel[]): string {
  const properties = fields.map((field) => {
    const parameter = parameterName(field.name);
    return parameter === field.name ? parameter : `${propertyKey(field.name)}: ${parameter}`;
  });
  return objectLiteral(properties);
}

function fieldComment(field: FieldModel): string {
  const notes: string[] = [];
  if (field.type.kind === "scalar" && field.type.scalar === "date") notes.push("a date: midnight UTC, stored as YYYY-MM-DD");
  if (field.encrypt) notes.push("encrypted in Redis");
  return notes.join("; ");
}
