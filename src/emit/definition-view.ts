import type { EntityModel, FieldModel, FieldType, ProjectModel } from "../model/model.js";
import { keyNamespace } from "../runtime/keys.js";
import { humanDuration } from "./durations.js";
import { findEntity, keyFields } from "./entity-fields.js";
import { keyPartType, valueSchema } from "./field-types.js";
import { entityConstant, indexLoader, tagName } from "./names.js";
import {
  numberLiteral,
  objectLiteral,
  parameterName,
  propertyAccess,
  propertyKey,
  stringArrayLiteral,
  stringLiteral,
} from "./typescript-syntax.js";

/** The properties of the `defineEntity({...})` call, as finished TypeScript expressions. */
export interface DefinitionView {
  readonly name: string;
  readonly schemaFile: string;
  readonly keyPrefix: string;
  readonly namespace: string;
  readonly keyParts: string;
  readonly keySchema: string;
  readonly strategy: string;
  readonly ttl: DurationView;
  readonly jitter: string;
  readonly negativeTtl: DurationView | undefined;
  readonly staleWhileRevalidate: DurationView | undefined;
  readonly versionField: string | undefined;
  readonly serializer: string;
  /** Paths of `date` (not `datetime`) fields, which `z.date()` alone cannot tell apart; absent when none. */
  readonly dateFields: string | undefined;
  readonly encryptedFields: string;
  readonly l1: string | undefined;
  readonly indexes: string;
  readonly tags: string;
  readonly invalidates: string;
  readonly writeBehind: string | undefined;
}

interface DurationView {
  readonly ms: string;
  /** `1h`, for a comment beside the milliseconds. */
  readonly human: string;
}

export function definitionView(entity: EntityModel, project: ProjectModel): DefinitionView {
  const keys = keyFields(entity);
  return {
    name: stringLiteral(entity.name),
    schemaFile: stringLiteral(entity.sourceFile),
    keyPrefix: stringLiteral(project.keyPrefix),
    namespace: stringLiteral(keyNamespace(entity.version, entity.shapeHash)),
    keyParts: objectLiteral(keys.map((field) => `${propertyKey(field.name)}: ${stringLiteral(keyPartType(field))}`)),
    keySchema: `z.object(${objectLiteral(keys.map((field) => `${propertyKey(field.name)}: ${valueSchema(field.type)}`))})`,
    strategy: stringLiteral(entity.strategy),
    ttl: durationView(entity.ttlMs),
    jitter: String(entity.jitter),
    negativeTtl: entity.negativeTtlMs === undefined ? undefined : durationView(entity.negativeTtlMs),
    staleWhileRevalidate:
      entity.staleWhileRevalidateMs === undefined ? undefined : durationView(entity.staleWhileRevalidateMs),
    versionField: entity.versionField === undefined ? undefined : stringLiteral(entity.versionField),
    serializer: stringLiteral(entity.serializer),
    dateFields: optionalList(dateFieldPaths(entity.fields)),
    encryptedFields: stringArrayLiteral(entity.fields.filter((field) => field.encrypt).map((field) => field.name)),
    l1: entity.l1 && `{ ttlMs: ${numberLiteral(entity.l1.ttlMs)}, maxEntries: ${numberLiteral(entity.l1.maxEntries)} }`,
    indexes: objectLiteral(
      entity.indexes.map(
        (index) =>
          `${propertyKey(index.name)}: { fields: ${stringArrayLiteral(index.fields)}, load: ${stringLiteral(indexLoader(index))} }`,
      ),
    ),
    tags: objectLiteral(
      entity.tags.map(
        (tag) =>
          `${propertyKey(tagName(tag))}: { pattern: ${stringLiteral(tag.pattern)}, fields: ${stringArrayLiteral(tag.fields)} }`,
      ),
    ),
    invalidates: `[${entity.invalidates.map((rule) => invalidatesEntry(entity, rule.entity, rule.key, project)).join(", ")}]`,
    writeBehind:
      entity.writeBehind &&
      `{ batchSize: ${numberLiteral(entity.writeBehind.batchSize)}, flushIntervalMs: ${numberLiteral(entity.writeBehind.flushIntervalMs)}, maxAttempts: ${numberLiteral(entity.writeBehind.maxAttempts)} }`,
  };
}

function optionalList(items: readonly string[]): string | undefined {
  return items.length ? stringArrayLiteral(items) : undefined;
}

/** `birthday`, `settings.since`, `history[].on`: the path syntax of the runtime's `dateFields`. */
function dateFieldPaths(fields: readonly FieldModel[], prefix = ""): string[] {
  return fields.flatMap((field) => datePathsOfType(field.type, `${prefix}${field.name}`));
}

function datePathsOfType(type: FieldType, path: string): string[] {
  switch (type.kind) {
    case "scalar":
      return type.scalar === "date" ? [path] : [];
    case "object":
      return dateFieldPaths(type.fields, `${path}.`);
    case "array":
      return datePathsOfType(type.items, `${path}[]`);
    case "enum":
      return [];
  }
}

function durationView(ms: number): DurationView {
  return { ms: numberLiteral(ms), human: humanDuration(ms) };
}

function invalidatesEntry(
  entity: EntityModel,
  targetName: string,
  key: Readonly<Record<string, string>>,
  project: ProjectModel,
): string {
  const target = findEntity(project, targetName);
  const value = parameterName(entity.propertyName);
  const targetKey = target.key.map((keyField) => {
    const sourceField = key[keyField];
    if (sourceField === undefined) {
      throw new Error(
        `cachegen bug: ${entity.name} invalidates ${target.name} without a field for its key part ${keyField}`,
      );
    }
    return `${propertyKey(keyField)}: ${propertyAccess(value, sourceField)}`;
  });
  return `{ entity: () => ${entityConstant(target)}, key: (${value}) => ({ ${targetKey.join(", ")} }) }`;
}
