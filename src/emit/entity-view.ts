import type { EntityModel, FieldModel, ProjectModel, Strategy } from "../model/model.js";
import { definitionView, type DefinitionView } from "./definition-view.js";
import { findEntity, keyFields, lookupFields } from "./entity-fields.js";
import { holdsJson } from "../runtime/descriptor.js";
import { fieldSignature, parameterList, valueType } from "./field-types.js";
import { humanDuration, percentage } from "./durations.js";
import {
  entityConstant,
  entityModule,
  indexGetter,
  indexLoader,
  listGetter,
  listLoader,
  invalidationTagType,
  keyType,
  repositoryClass,
  schemaConstant,
  sourceInterface,
  tagInvalidator,
} from "./names.js";
import {
  commentText,
  docComment,
  objectLiteral,
  parameterName,
  propertyKey,
  stringLiteral,
} from "./typescript-syntax.js";

/** Everything `templates/entity.ts.hbs` lays out, as finished TypeScript fragments. */
export interface EntityView {
  readonly sourceFile: string;
  readonly name: string;
  readonly constant: string;
  readonly schemaConstant: string;
  readonly keyType: string;
  readonly sourceInterface: string;
  readonly invalidationTag: string;
  readonly repositoryClass: string;
  readonly runtimeImports: string;
  readonly entityImports: readonly { constant: string; module: string }[];
  readonly fields: readonly { signature: string; comment: string }[];
  readonly keyFields: readonly { signature: string }[];
  readonly sourceDoc: string;
  readonly writesRequired: boolean;
  /** Write-behind: the worker writes batches (`saveMany` / `deleteMany`) where the source has them. */
  readonly batchWrites: boolean;
  /** The union of the declared tags' value objects (`never` without tags). */
  readonly invalidationTagUnion: string;
  /** JSDoc of the generated symbols and methods, in the entity's terms. */
  readonly docs: EntityDocs;
  readonly definition: DefinitionView;
  readonly repositoryBase: string;
  readonly optionsType: string;
  readonly indexes: readonly IndexView[];
  readonly lists: readonly IndexView[];
  readonly tags: readonly TagView[];
}

interface EntityDocs {
  readonly entity: string;
  readonly schema: string;
  readonly key: string;
  readonly load: string;
  readonly loadMany: string;
  readonly save: string;
  readonly delete: string;
  readonly invalidationTag: string;
  readonly definition: string;
  readonly repository: string;
  readonly newRepository: string;
}

interface IndexView {
  readonly getter: string;
  readonly getterDoc: string;
  readonly loader: string;
  readonly loaderDoc: string;
  readonly name: string;
  readonly parameters: string;
  readonly arguments: string;
}

interface TagView {
  readonly invalidator: string;
  readonly doc: string;
  readonly parameters: string;
  readonly tagObject: string;
  /** The name of the `InvalidateOptions` parameter. */
  readonly options: string;
}

const sourceRoles: Record<Strategy, string> = {
  "cache-aside": "A miss calls `load`, unless `get(key, load)` passes its own loader.",
  "read-through": "Every miss loads from here (`loadMany`, where given, for the misses of `getMany`).",
  "write-through": "Misses load from here; `save` writes here first, then the cache takes the new value.",
  "write-behind":
    "Misses load from here; the worker (`startWorker()`) applies queued saves and deletes at least once (a redelivery repeats a write): keep them idempotent.",
};

/** The indentation of interface and class members. */
const member = "  ";

export function entityView(entity: EntityModel, project: ProjectModel): EntityView {
  const writesRequired = entity.strategy === "write-through" || entity.strategy === "write-behind";
  const { name } = entity;
  const indexes = entity.indexes.map((index) => {
    const fields = lookupFields(entity, index.fields);
    const getter = indexGetter(index);
    const loader = indexLoader(index);
    const match = `The ${name} whose ${fieldsAreParameters(fields)}`;
    return {
      getter,
      getterDoc: docComment(
        member,
        `${match}: from the cache, else from \`source.${loader}\` (then cached); null when there is none.`,
      ),
      loader,
      loaderDoc: docComment(member, `${match}, or null when there is none; serves \`${getter}\` on a miss.`),
      name: stringLiteral(index.name),
      parameters: parameterList(fields),
      arguments: fields.map((field) => parameterName(field.name)).join(", "),
    };
  });
  const lists = entity.lists.map((list) => {
    const fields = lookupFields(entity, list.fields);
    const getter = listGetter(list);
    const loader = listLoader(list);
    const match = `every ${name} whose ${fieldsAreParameters(fields)}`;
    return {
      getter,
      getterDoc: docComment(
        member,
        `${match.charAt(0).toUpperCase()}${match.slice(1)}: the members' keys from the cache (their values as entries), else from \`source.${loader}\` (then cached, up to ${list.maxItems} members); a member that no longer matches is never returned.`,
      ),
      loader,
      loaderDoc: docComment(
        member,
        `${match.charAt(0).toUpperCase()}${match.slice(1)} (empty when none); serves \`${getter}\` on a miss.`,
      ),
      name: stringLiteral(list.name),
      parameters: parameterList(fields),
      arguments: fields.map((field) => parameterName(field.name)).join(", "),
    };
  });
  return {
    sourceFile: commentText(entity.sourceFile),
    name,
    constant: entityConstant(entity),
    schemaConstant: schemaConstant(entity),
    keyType: keyType(entity),
    sourceInterface: sourceInterface(entity),
    invalidationTag: invalidationTagType(entity),
    repositoryClass: repositoryClass(entity),
    runtimeImports: runtimeImports(entity),
    entityImports: invalidatedEntities(entity, project).map((target) => ({
      constant: entityConstant(target),
      module: entityModule(target),
    })),
    fields: entity.fields.map((field) => ({ signature: fieldSignature(field), comment: fieldComment(field) })),
    keyFields: keyFields(entity).map((field) => ({ signature: fieldSignature(field) })),
    sourceDoc: docComment(
      "",
      `The system of record for ${name}.`,
      sourceRoles[entity.strategy],
      ...versionFenceDoc(entity),
    ),
    writesRequired,
    batchWrites: entity.strategy === "write-behind",
    invalidationTagUnion: tagUnion(entity),
    docs: entityDocs(entity),
    definition: definitionView(entity, project),
    repositoryBase: repositoryBase(entity.strategy),
    optionsType: optionsType(entity.strategy),
    indexes,
    lists,
    tags: entity.tags.map((tag) => {
      const fields = lookupFields(entity, tag.fields);
      // `options`, unless a tag field already takes that parameter name
      const options = fields.some((field) => parameterName(field.name) === "options") ? "invalidation" : "options";
      return {
        invalidator: tagInvalidator(tag),
        doc: docComment(
          member,
          `Drops every cached ${name} whose ${fieldsAreParameters(fields)} (tag \`${tag.pattern}\`); \`{ soft: true }\` marks them stale instead.`,
        ),
        parameters: [parameterList(fields), `${options}?: InvalidateOptions`].filter(Boolean).join(", "),
        tagObject: objectOfParameters(fields),
        options,
      };
    }),
  };
}

const sourceWrites: Record<Strategy, { save: string; delete: string }> = {
  "cache-aside": {
    save: "Writes a {E} to the system of record; `save` calls it, then drops the cached entries.",
    delete:
      "Deletes the {E} with this key from the system of record; `delete` calls it, then drops the cached entries.",
  },
  "read-through": {
    save: "Writes a {E} to the system of record; `save` calls it, then drops the cached entries.",
    delete:
      "Deletes the {E} with this key from the system of record; `delete` calls it, then drops the cached entries.",
  },
  "write-through": {
    save: "Writes a {E} to the system of record; `save` calls it first, then caches the row it returns (return the row you kept, e.g. `RETURNING *`; with nothing returned and a `versionField`, the value is cached only over an older revision, else the key is just dropped).",
    delete:
      "Deletes the {E} with this key from the system of record; `delete` calls it, then drops the cached entries.",
  },
  "write-behind": {
    save: "Writes a queued {E} to the system of record: the worker calls it for each `save`, at least once, then caches the row it returns (return the row you kept; with nothing returned and a `versionField`, a landed value that may be older is dropped from the cache).",
    delete: "Deletes a {E} from the system of record: the worker calls it for each queued `delete`, at least once.",
  },
};

const repositoryRoles: Record<Strategy, string> = {
  "cache-aside":
    "A miss calls the loader given to `get(key, load)`, else `source.load`; `save` and `delete` go to the source, then drop the cached entries.",
  "read-through":
    "A miss loads from `source.load` (`getMany`: `source.loadMany`, where given); `save` and `delete` go to the source, then drop the cached entries.",
  "write-through":
    "A miss loads from `source.load`; `save` writes the source, then caches the new value; `delete` deletes from the source, then drops the cached entries.",
  "write-behind":
    "A miss loads from `source.load`; `save` and `delete` are queued durably in Redis, and the worker (`startWorker()`) applies them to the source.",
};

function entityDocs(entity: EntityModel): EntityDocs {
  const { name } = entity;
  const schemaFile = `\`${commentText(entity.sourceFile)}\``;
  const keys = keyFields(entity);
  const bareKey = keys.length === 1 ? `, or the bare \`${keys[0]?.name}\` value` : "";
  const writes = sourceWrites[entity.strategy];
  const ttl = `${humanDuration(entity.ttlMs)}${entity.jitter > 0 ? ` (up to ${percentage(entity.jitter)} early)` : ""}`;
  return {
    entity: docComment("", `A ${name} as the application holds it, declared in ${schemaFile}.`),
    schema: docComment(
      "",
      `Checks a ${name}: every value read from Redis or loaded from the source is parsed with it.`,
    ),
    key: docComment("", `Identifies one ${name}: \`get\`, \`delete\`, \`invalidate\` and \`keyOf\` take it${bareKey}.`),
    load: docComment(member, `The ${name} with this key, or null when there is none.`),
    loadMany: docComment(
      member,
      `The ${plural(name)} with these keys, in the same order (null where there is none): \`getMany\` loads its misses with one call when this is given.`,
    ),
    save: docComment(member, writes.save.replaceAll("{E}", name)),
    delete: docComment(member, writes.delete.replaceAll("{E}", name)),
    invalidationTag: docComment(
      "",
      entity.tags.length === 0
        ? `${name} declares no tags, so \`invalidateTag\` takes nothing.`
        : `What \`invalidateTag\` takes: one object per declared tag (${entity.tags.map((tag) => `\`${tag.pattern}\``).join(", ")}).`,
    ),
    definition: docComment(
      "",
      `How the runtime caches ${name}: key layout and namespace, TTLs, strategy, indexes and tags.`,
    ),
    repository: docComment(
      "",
      `Cache of ${name} in Redis (${schemaFile}): ${entity.strategy}, TTL ${ttl}.`,
      repositoryRoles[entity.strategy],
    ),
    newRepository: docComment(
      member,
      entity.strategy === "cache-aside"
        ? "Caches in `options.redis`; `options.source` may be left out when every `get` passes its own loader."
        : "Caches in `options.redis` and loads (and writes) through `options.source`.",
    ),
  };
}

/** `email` is `email`; `orgId` and `teamId` are `orgId` and `teamId`: a lookup's fields and parameters. */
function fieldsAreParameters(fields: readonly FieldModel[]): string {
  const names = fields.map((field) => `\`${field.name}\``);
  const parameters = fields.map((field) => `\`${parameterName(field.name)}\``);
  return fields.length === 1 ? `${names[0]} is ${parameters[0]}` : `${joinAnd(names)} are ${joinAnd(parameters)}`;
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function plural(name: string): string {
  return /(s|x|z|ch|sh)$/.test(name) ? `${name}es` : /[^aeiou]y$/.test(name) ? `${name.slice(0, -1)}ies` : `${name}s`;
}

/** Write-behind with a version: a late redelivery must not overwrite a newer row. */
function versionFenceDoc(entity: EntityModel): string[] {
  if (entity.strategy !== "write-behind" || entity.versionField === undefined) return [];
  const field = entity.versionField;
  return [
    `Fence writes on \`${field}\` (\`WHERE ${field} < $new\`), so a late redelivery never overwrites a newer row.`,
  ];
}

function runtimeImports(entity: EntityModel): string {
  const values = ["defineEntity", repositoryBase(entity.strategy)];
  const types = [
    ...(entity.fields.some((field) => holdsJson(field.type)) ? ["JsonValue"] : []),
    ...(entity.tags.length ? ["InvalidateOptions"] : []),
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

function tagUnion(entity: EntityModel): string {
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
  if (field.type.kind === "scalar" && field.type.scalar === "date")
    notes.push("a date: midnight UTC, stored as YYYY-MM-DD");
  if (field.encrypt) notes.push("encrypted in Redis");
  return notes.join("; ");
}
