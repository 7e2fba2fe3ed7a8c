import type { EntityModel, FieldModel, FieldType, ProjectModel } from "../model/model.js";
import { keyNamespace } from "../runtime/keys.js";
import { humanDuration } from "./durations.js";
import { findEntity } from "./entity-fields.js";
import { fieldShape } from "./field-types.js";
import { entityConstant, indexLoader, listLoader, tagName } from "./names.js";
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
  readonly key: string;
  /** One `name: descriptor` entry per field, in declaration order. */
  readonly fields: readonly string[];
  /**
   * A field named like a member of TypeScript's `Object` (`constructor`, `toString`...) would take
   * that member's type as its contextual type, widening its descriptor to `string`: `as const` keeps it.
   */
  readonly fieldsAsConst: boolean;
  readonly strategy: string;
  readonly ttl: DurationView;
  readonly jitter: string;
  readonly negativeTtl: DurationView | undefined;
  readonly staleWhileRevalidate: DurationView | undefined;
  readonly versionField: string | undefined;
  readonly expiresAt: string | undefined;
  readonly serializer: string;
  readonly compress: string | undefined;
  readonly l1: string | undefined;
  readonly indexes: string;
  /** Undefined without lists: what entities without lists generate did not change when lists came. */
  readonly lists: string | undefined;
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
  return {
    name: stringLiteral(entity.name),
    schemaFile: stringLiteral(entity.sourceFile),
    keyPrefix: stringLiteral(project.keyPrefix),
    namespace: stringLiteral(keyNamespace(entity.version, entity.shapeHash)),
    key: stringArrayLiteral(entity.key),
    fields: entity.fields.map((field) => `${propertyKey(field.name)}: ${fieldShape(field)}`),
    fieldsAsConst: namesObjectMember(entity.fields),
    strategy: stringLiteral(entity.strategy),
    ttl: durationView(entity.ttlMs),
    jitter: String(entity.jitter),
    negativeTtl: entity.negativeTtlMs === undefined ? undefined : durationView(entity.negativeTtlMs),
    staleWhileRevalidate:
      entity.staleWhileRevalidateMs === undefined ? undefined : durationView(entity.staleWhileRevalidateMs),
    versionField: entity.versionField === undefined ? undefined : stringLiteral(entity.versionField),
    expiresAt: entity.expiresAt === undefined ? undefined : stringLiteral(entity.expiresAt),
    serializer: stringLiteral(entity.serializer),
    compress:
      entity.compressOverBytes === undefined ? undefined : `{ overBytes: ${numberLiteral(entity.compressOverBytes)} }`,
    l1: entity.l1 && `{ ttlMs: ${numberLiteral(entity.l1.ttlMs)}, maxEntries: ${numberLiteral(entity.l1.maxEntries)} }`,
    indexes: objectLiteral(
      entity.indexes.map(
        (index) =>
          `${propertyKey(index.name)}: { fields: ${stringArrayLiteral(index.fields)}, load: ${stringLiteral(indexLoader(index))} }`,
      ),
    ),
    lists:
      entity.lists.length === 0
        ? undefined
        : objectLiteral(
            entity.lists.map(
              (list) =>
                `${propertyKey(list.name)}: { fields: ${stringArrayLiteral(list.fields)}, load: ${stringLiteral(listLoader(list))}, maxItems: ${numberLiteral(list.maxItems)} }`,
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
      `{ batchSize: ${numberLiteral(entity.writeBehind.batchSize)}, flushIntervalMs: ${numberLiteral(entity.writeBehind.flushIntervalMs)}, maxAttempts: ${numberLiteral(entity.writeBehind.maxAttempts)}, partitions: ${numberLiteral(entity.writeBehind.partitions)} }`,
  };
}

const objectMembers = new Set([
  "constructor",
  "toString",
  "toLocaleString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
]);

function namesObjectMember(fields: readonly FieldModel[]): boolean {
  return fields.some((field) => objectMembers.has(field.name) || typeNamesObjectMember(field.type));
}

function typeNamesObjectMember(type: FieldType): boolean {
  if (type.kind === "object") return namesObjectMember(type.fields);
  return type.kind === "array" && typeNamesObjectMember(type.items);
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
