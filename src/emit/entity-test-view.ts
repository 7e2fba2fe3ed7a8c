import type { EntityModel, FieldModel, Strategy } from "../model/model.js";
import type { KeyPartType } from "../runtime/definition.js";
import { isDateType, keyPartType, parameterList } from "./field-types.js";
import { keyFields, lookupFields } from "./entity-fields.js";
import { entityModule, indexGetter, indexLoader, repositoryClass } from "./names.js";
import { sampleFields, sampleLiteral, type SampleFields } from "./sample-values.js";
import { objectLiteral, parameterName, propertyAccess, propertyKey } from "./typescript-syntax.js";

/**
 * Everything `templates/entity.test.ts.hbs` lays out, as finished TypeScript fragments. The test
 * file imports the entity's symbols as `Entity`, `Key`, `Source` and `Repository`, so that its
 * statements that depend on nothing else (setup and most cases) are the same text in every test
 * file: the format stage gives such repeated statements to prettier once per run
 * (`src/format/format-units.ts`).
 */
export interface EntityTestView {
  readonly sourceFile: string;
  readonly name: string;
  readonly strategy: Strategy;
  readonly module: string;
  readonly repositoryClass: string;
  readonly sample: string;
  readonly updated: string;
  readonly key: string;
  readonly rowIdParts: string;
  readonly indexes: readonly IndexTestView[];
  readonly invalidatesOnSave: boolean;
  readonly writeThrough: boolean;
  readonly writeBehind: boolean;
  readonly encrypted: boolean;
  readonly invalidKey: string;
}

interface IndexTestView {
  readonly loader: string;
  /** The name of a row in `matches`: `row`, unless a lookup parameter has that name. */
  readonly row: string;
  readonly getter: string;
  readonly parameters: string;
  readonly matches: string;
  readonly sampleArguments: string;
  readonly unknownArguments: string;
}

export function entityTestView(entity: EntityModel): EntityTestView {
  const isKey = (field: FieldModel) => entity.key.includes(field.name);
  const sample = sampleFields(entity, () => 1);
  const unknown = sampleFields(entity, () => 3);
  const keys = keyFields(entity);
  return {
    sourceFile: entity.sourceFile,
    name: entity.name,
    strategy: entity.strategy,
    module: entityModule(entity),
    repositoryClass: repositoryClass(entity),
    sample: sampleLiteral(sample),
    updated: sampleLiteral(sampleFields(entity, (field) => (isKey(field) ? 1 : 2))),
    key: objectLiteral(keys.map((field) => `${propertyKey(field.name)}: ${propertyAccess("sample", field.name)}`)),
    rowIdParts: keys.map((field) => keyPartText(field)).join(", "),
    indexes: entity.indexes.map((index) => {
      const fields = lookupFields(entity, index.fields);
      // `sample.x` reads best, but an optional or nullable field is typed wider than the lookup
      // parameter, so its sample value is passed as a literal instead.
      const storedValue = (field: FieldModel) =>
        field.optional || field.nullable ? sampleOf(sample, field) : propertyAccess("sample", field.name);
      const row = unusedName(
        "row",
        fields.map((field) => parameterName(field.name)),
      );
      return {
        loader: indexLoader(index),
        row,
        getter: indexGetter(index),
        parameters: parameterList(fields),
        matches: fields.map((field) => fieldMatches(row, field)).join(" && "),
        sampleArguments: fields.map(storedValue).join(", "),
        unknownArguments: fields.map((field) => sampleOf(unknown, field)).join(", "),
      };
    }),
    invalidatesOnSave: entity.strategy === "cache-aside" || entity.strategy === "read-through",
    writeThrough: entity.strategy === "write-through",
    writeBehind: entity.strategy === "write-behind",
    encrypted: entity.fields.some((field) => field.encrypt),
    invalidKey: invalidKey(keys),
  };
}

function sampleOf(samples: SampleFields, field: FieldModel): string {
  const value = samples.get(field.name);
  if (value === undefined) throw new Error(`cachegen bug: no sample value for ${field.name}`);
  return value;
}

/** A key part as text for the in-memory source's row id. */
function keyPartText(field: FieldModel): string {
  const value = propertyAccess("key", field.name);
  return isDateType(field.type) ? `${value}.toISOString()` : `String(${value})`;
}

/** `name`, or `name_`, `name__`... : the first not in `taken`. */
function unusedName(name: string, taken: readonly string[]): string {
  return taken.includes(name) ? unusedName(`${name}_`, taken) : name;
}

/** `row.email === email`; dates compare by time. */
function fieldMatches(row: string, field: FieldModel): string {
  const stored = propertyAccess(row, field.name);
  const wanted = parameterName(field.name);
  if (!isDateType(field.type)) return `${stored} === ${wanted}`;
  const optionalChain = field.optional || field.nullable ? "?." : ".";
  return `${stored}${optionalChain}getTime() === ${wanted}.getTime()`;
}

/** Values the key schema rejects but the key type admits, so the test needs no cast. */
const typedInvalidValues: Partial<Record<KeyPartType, string>> = {
  string: `""`,
  uuid: `"not-a-uuid"`,
  int: "1.5",
  float: "Number.NaN",
  datetime: "new Date(Number.NaN)",
  date: "new Date(Number.NaN)",
};

/** The key with one part made invalid: a typed invalid value where one exists, else a wrong type. */
function invalidKey(keys: readonly FieldModel[]): string {
  for (const field of keys) {
    const value = typedInvalidValues[keyPartType(field)];
    if (value !== undefined) return `{ ...sampleKey, ${propertyKey(field.name)}: ${value} }`;
  }
  const [first] = keys;
  if (!first) throw new Error("cachegen bug: an entity without key fields");
  return `{ ...sampleKey, ${propertyKey(first.name)}: "not-a-valid-key-part" } as unknown as Key`;
}
