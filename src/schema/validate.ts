import { z } from "zod";
import { errorAt, type Diagnostic } from "../diagnostics.js";
import { entitySchema, entityListSchema, type EntityDocument } from "./document-schema.js";
import { entityParts, entityPartsOfValid, isPlainObject, type EntityParts } from "./entity-parts.js";
import type { LoadedDocument } from "./load.js";
import { describePath, type PropertyPath } from "./locate.js";
import { didYouMean } from "../suggest.js";
import { listNames, showValue } from "../wording.js";

/** One entity of a document, however valid, for the checks that need all entities. */
export interface EntityCandidate {
  readonly document: LoadedDocument;
  /** Where the entity sits in its document: `[]`, or `["entities", 2]`. */
  readonly path: PropertyPath;
  /** The entity, when its shape is entirely valid. */
  readonly parsed: EntityDocument | undefined;
  readonly parts: EntityParts;
}

export interface DocumentValidation {
  readonly candidates: EntityCandidate[];
  readonly diagnostics: Diagnostic[];
}

/** Checks a document's shape: every problem as a diagnostic, plus its entities for the cross-reference checks. */
export function validateDocument(document: LoadedDocument): DocumentValidation {
  const { value } = document;
  if (!isPlainObject(value)) {
    const problem = value === null ? "the file declares nothing" : `the file holds ${showValue(value)}`;
    const message = `${problem}; declare an entity (\`entity\`, \`key\`, \`fields\`, \`strategy\`, \`ttl\`) or a list under \`entities\``;
    return { candidates: [], diagnostics: [errorAt(document.file, document.locate([], "value"), message)] };
  }
  const schema = "entities" in value && !("entity" in value) ? entityListSchema : entitySchema;
  const result = schema.safeParse(value, { reportInput: true, error: genericPredicate });
  const diagnostics = result.success ? [] : result.error.issues.flatMap((issue) => render(document, schema, issue, []));
  const prototypePaths = prototypeKeys(value);
  for (const path of prototypePaths) {
    diagnostics.push(
      errorAt(document.file, document.locate(path, "key"), `"__proto__" cannot name a property or a field; rename it`),
    );
  }
  const entityPaths: PropertyPath[] =
    schema === entitySchema
      ? [[]]
      : Array.isArray(value.entities)
        ? value.entities.map((_, index) => ["entities", index])
        : [];
  const candidates = entityPaths.map((path) => {
    const raw = valueAt(value, path);
    // A one-entity file that passed was parsed by `entitySchema` above already: same schema, same input.
    const parsed =
      schema === entitySchema && result.success ? (result.data as EntityDocument) : entitySchema.safeParse(raw).data;
    const parts =
      parsed !== undefined && prototypePaths.length === 0 && isPlainObject(raw)
        ? entityPartsOfValid(raw, parsed)
        : entityParts(raw);
    return { document, path, parsed, parts };
  });
  return { candidates, diagnostics };
}

function render(
  document: LoadedDocument,
  schema: z.ZodType,
  issue: z.core.$ZodIssue,
  prefix: PropertyPath,
): Diagnostic[] {
  const path = [...prefix, ...issue.path.filter((segment) => typeof segment !== "symbol")];
  const at = (which: "key" | "value", target: PropertyPath = path) => document.locate(target, which);
  switch (issue.code) {
    case "invalid_union": {
      const branch = branchOfInputKind(issue.errors);
      if (branch) return branch.flatMap((inner) => render(document, schema, inner, path));
      break;
    }
    case "invalid_key":
      return issue.issues.map((inner) => errorAt(document.file, at("key"), `${describePath(path)} ${inner.message}`));
    case "unrecognized_keys":
      return issue.keys
        .filter((key) => key !== "__proto__")
        .map((key) => {
          const allowed = propertyNamesAt(schema, path).filter((name) => !name.startsWith("$"));
          const owner = path.length > entityPathOf(path).length ? ` in ${describePath(path)}` : "";
          const advice =
            key === "entities" && path.length === 0
              ? ": a file holds either one entity or a list under `entities`, not both"
              : didYouMean(key, allowed) || `; allowed here: ${listNames(allowed)}`;
          return errorAt(
            document.file,
            at("key", [...path, key]),
            `unknown property ${showValue(key)}${owner}${advice}`,
          );
        });
  }
  if (issue.input === undefined) return [missingProperty(document, path, issue.message)];
  return [errorAt(document.file, at("value"), `${describePath(path)} ${issue.message}`)];
}

/** A missing property is reported at the entity's name, or at the start of the map that lacks it. */
function missingProperty(document: LoadedDocument, path: PropertyPath, hint: string): Diagnostic {
  const parent = path.slice(0, -1);
  const entityPath = entityPathOf(path);
  const name = String(path.at(-1));
  const entityName = valueAt(document.value, [...entityPath, "entity"]);
  if (parent.length === entityPath.length && typeof entityName === "string") {
    const message = `missing required property \`${name}\` in entity \`${entityName}\`: ${hint}`;
    return errorAt(document.file, document.locate([...entityPath, "entity"], "value"), message);
  }
  const owner = parent.length > entityPath.length ? ` in ${describePath(parent)}` : "";
  return errorAt(
    document.file,
    document.locate(parent, "value"),
    `missing required property \`${name}\`${owner}: ${hint}`,
  );
}

/**
 * A field is a type name or an object, a key a name or a list: of a union's options, the one of
 * the same kind as the input is the one whose complaints make sense.
 */
function branchOfInputKind(branches: readonly z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const sameKind = branches.filter((branch) => !branch.some(rejectsKind));
  return sameKind.length === 1 ? sameKind[0] : undefined;
}

function rejectsKind(issue: z.core.$ZodIssue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === "invalid_type") return true;
  return issue.code === "invalid_value" && !issue.values.some((value) => typeof value === typeof issue.input);
}

/** Wording for issues whose schema has no message of its own. */
function genericPredicate(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `add ${expectation(issue.expected)}`
        : `must be ${expectation(issue.expected)}, not ${showValue(issue.input)}`;
    case "too_small":
      return issue.origin === "array"
        ? `must list at least ${issue.minimum}`
        : `${showValue(issue.input)} must be at least ${issue.minimum}`;
    case "too_big":
      return `${showValue(issue.input)} must be at most ${issue.maximum}`;
    case "invalid_value": {
      const values = issue.values.map(String);
      return `${showValue(issue.input)} is not one of ${listNames(values)}${didYouMean(String(issue.input), values)}`;
    }
    default:
      return `${showValue(issue.input)} is not valid here`;
  }
}

function expectation(expected: string): string {
  const phrases: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    array: "a list",
    object: "an object",
    record: "an object",
  };
  return phrases[expected] ?? expected;
}

/** The properties the object schema at `path` allows, for "did you mean". */
function propertyNamesAt(schema: z.core.$ZodType, path: PropertyPath): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (const segment of path) current = current && childSchema(current, segment);
  const object = current && objectSchemaOf(current);
  return object ? Object.keys(object.shape) : [];
}

function childSchema(schema: z.core.$ZodType, segment: string | number): z.core.$ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return typeof segment === "string" ? inner.shape[segment] : undefined;
  if (inner instanceof z.ZodRecord) return inner.valueType;
  if (inner instanceof z.ZodArray) return inner.element;
  if (inner instanceof z.ZodUnion) {
    return inner.options.map((option) => childSchema(option, segment)).find((child) => child !== undefined);
  }
  return undefined;
}

function objectSchemaOf(schema: z.core.$ZodType): z.ZodObject | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return inner;
  if (inner instanceof z.ZodUnion) return inner.options.map(objectSchemaOf).find((object) => object !== undefined);
  return undefined;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodLazy)
    return unwrap(schema.unwrap());
  return schema;
}

/**
 * Paths of `__proto__` keys. Zod's records skip them without a word, and as a name in generated
 * code one would set a prototype instead of declaring a property.
 */
function prototypeKeys(value: unknown, path: (string | number)[] = [], found: PropertyPath[] = []): PropertyPath[] {
  // One path, extended and shortened on the way, copied only for a find: this walks every value of
  // every schema file.
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      path.push(index);
      prototypeKeys(value[index], path, found);
      path.pop();
    }
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === "__proto__") {
        found.push([...path, key]);
        continue;
      }
      path.push(key);
      prototypeKeys(value[key], path, found);
      path.pop();
    }
  }
  return found;
}

/** `["entities", 2]` for a path inside the third entity of a list file, else `[]`. */
function entityPathOf(path: PropertyPath): PropertyPath {
  return path[0] === "entities" && typeof path[1] === "number" ? path.slice(0, 2) : [];
}

function valueAt(value: unknown, path: PropertyPath): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isPlainObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}
