import type { EntityModel, FieldModel } from "../model/model.js";
import type { KeyPartType } from "../runtime/definition.js";
import { keyPartType } from "./field-types.js";
import { keyFields, lookupFields } from "./entity-fields.js";
import { entityModule, indexGetter, listGetter, repositoryClass, tagInvalidator, tagName } from "./names.js";
import { sampleFields, sampleLiteral, type SampleFields } from "./sample-values.js";
import { objectLiteral, propertyAccess, propertyKey, stringLiteral } from "./typescript-syntax.js";
import { listNames } from "../wording.js";

/**
 * Everything `templates/entity.test.ts.hbs` lays out, as finished TypeScript fragments: the entity's
 * sample values and its own methods (`getBy<Index>`, `invalidateBy<Tag>`), which the conformance
 * suite of `cachegen/testing` runs its cases with. The test file imports the entity's symbols as
 * `Entity`, `Key`, `Source` and `Repository`, so that the text that depends on nothing else is the
 * same in every test file (the format stage formats such repeated statements once per run).
 */
export interface EntityTestView {
  readonly sourceFile: string;
  readonly name: string;
  readonly module: string;
  readonly repositoryClass: string;
  readonly sample: string;
  readonly updated: string;
  /** Undefined when the key has one possible value (`singleKeyReason` says why): no key is stored nowhere. */
  readonly missing: string | undefined;
  readonly singleKeyReason: string | undefined;
  readonly indexes: readonly IndexTestView[];
  readonly lists: readonly IndexTestView[];
  readonly tags: readonly TagTestView[];
  readonly encrypted: boolean;
  readonly invalidKey: string;
}

interface IndexTestView {
  readonly name: string;
  readonly getter: string;
  readonly sampleArguments: string;
  /** Undefined when each of the lookup's fields has one possible value (`alwaysFoundReason` says why): no lookup misses. */
  readonly unknownArguments: string | undefined;
  readonly alwaysFoundReason: string | undefined;
}

interface TagTestView {
  readonly name: string;
  readonly invalidator: string;
  readonly sampleArguments: string;
}

/** `entities`: every entity of the project (the ones `invalidates` names decide some samples). */
export function entityTestView(entity: EntityModel, entities: readonly EntityModel[]): EntityTestView {
  const isKey = (field: FieldModel) => entity.key.includes(field.name);
  const sample = sampleFields(entity, entities, () => 1);
  const unknown = sampleFields(entity, entities, () => 3);
  // `sample.x` reads best, but an optional or nullable field is typed wider than a lookup
  // parameter, so its sample value is passed as a literal instead.
  const sampleArgument = (field: FieldModel) =>
    field.optional || field.nullable ? sampleOf(sample, field) : propertyAccess("sample", field.name);
  const lookup = (fields: readonly FieldModel[]) => {
    const alwaysFoundReason = oneValueReason(fields);
    return {
      sampleArguments: fields.map(sampleArgument).join(", "),
      unknownArguments:
        alwaysFoundReason === undefined ? fields.map((field) => sampleOf(unknown, field)).join(", ") : undefined,
      alwaysFoundReason,
    };
  };
  const singleKeyReason = oneValueReason(keyFields(entity));
  return {
    sourceFile: entity.sourceFile,
    name: entity.name,
    module: entityModule(entity),
    repositoryClass: repositoryClass(entity),
    sample: sampleLiteral(sample),
    updated: sampleLiteral(sampleFields(entity, entities, (field) => (isKey(field) ? 1 : 2))),
    missing: singleKeyReason === undefined ? sampleLiteral(unknown) : undefined,
    singleKeyReason,
    indexes: entity.indexes.map((index) => ({
      name: propertyKey(index.name),
      getter: indexGetter(index),
      ...lookup(lookupFields(entity, index.fields)),
    })),
    lists: entity.lists.map((list) => ({
      name: propertyKey(list.name),
      getter: listGetter(list),
      ...lookup(lookupFields(entity, list.fields)),
    })),
    tags: entity.tags.map((tag) => ({
      name: propertyKey(tagName(tag)),
      invalidator: tagInvalidator(tag),
      sampleArguments: lookupFields(entity, tag.fields).map(sampleArgument).join(", "),
    })),
    encrypted: entity.fields.some((field) => field.encrypt),
    invalidKey: invalidKey(keyFields(entity)),
  };
}

/**
 * Why `fields` (a key's, an index's, a list's) take one combination of values only, e.g.
 * `` `scope` has one possible value ("global") ``: each is a one-value enum (a lookup parameter of
 * a nullable one takes that value too). Undefined when another combination exists.
 */
function oneValueReason(fields: readonly FieldModel[]): string | undefined {
  const values: string[] = [];
  for (const { type } of fields) {
    if (type.kind !== "enum" || type.values.length !== 1) return undefined;
    values.push(stringLiteral(type.values[0]!));
  }
  const names = fields.map((field) => field.name);
  return names.length === 1
    ? `\`${names[0]}\` has one possible value (${values[0]})`
    : `${listNames(names, "and")} have one possible value each (${values.join(", ")})`;
}

function sampleOf(samples: SampleFields, field: FieldModel): string {
  const value = samples.get(field.name);
  if (value === undefined) throw new Error(`cachegen bug: no sample value for ${field.name}`);
  return value;
}

/** Values the key schema rejects. */
const typedInvalidValues: Partial<Record<KeyPartType, string>> = {
  string: `""`,
  uuid: `"not-a-uuid"`,
  int: "1.5",
  float: "Number.NaN",
  datetime: "new Date(Number.NaN)",
  date: "new Date(Number.NaN)",
};

/** The sample's key with one part made invalid: a value of the part's own type where one exists, else a wrong type. */
function invalidKey(keys: readonly FieldModel[]): string {
  const invalid = keys.find((field) => typedInvalidValues[keyPartType(field)] !== undefined) ?? keys[0];
  if (!invalid) throw new Error("cachegen bug: an entity without key fields");
  const value = typedInvalidValues[keyPartType(invalid)] ?? `"not-a-valid-key-part"`;
  return objectLiteral(
    keys.map((field) =>
      field === invalid
        ? `${propertyKey(field.name)}: ${value}`
        : `${propertyKey(field.name)}: ${propertyAccess("sample", field.name)}`,
    ),
  );
}
