import type { FieldModel } from "./fields.js";
import { indexMethodSuffix, REPOSITORY_METHODS, tagMethodName, tagMethodSuffix } from "./naming.js";
import { isKeyable, KEYABLE_TYPES, typeLabel } from "./field-types.js";
import type { PropertyPath } from "./locate.js";
import type { EntityParts } from "./entity-parts.js";
import { didYouMean } from "../suggest.js";
import { parseTagPattern } from "./tag-pattern.js";
import { showValue } from "../wording.js";

/** Reports a problem at a path inside one entity. */
export type Report = (path: PropertyPath, which: "key" | "value", message: string) => void;

/** Checks the references inside one entity: key, indexes, tags, versionField, strategy options. */
export function checkEntityReferences(parts: EntityParts, report: Report): void {
  checkKey(parts, report);
  checkIndexes(parts, report);
  checkLists(parts, report);
  checkTags(parts, report);
  checkVersionField(parts, report);
  checkExpiresAt(parts, report);
  checkStrategyOptions(parts, report);
}

/**
 * The field a reference names, `undefined` when it is not declared (reported here) or declared
 * with an invalid definition (reported by the shape check already).
 */
export function resolveField(parts: EntityParts, name: string, report: () => void): FieldModel | undefined {
  const field = parts.fields.get(name);
  if (field === undefined && !parts.declaredFields.includes(name)) report();
  return field;
}

function notDeclared(name: string, parts: EntityParts): string {
  return `${showValue(name)} is not declared in \`fields\`${didYouMean(name, parts.declaredFields)}`;
}

function checkKey(parts: EntityParts, report: Report): void {
  if (parts.key === undefined) return;
  const names = typeof parts.key === "string" ? [parts.key] : parts.key;
  names.forEach((name, index) => {
    const path = typeof parts.key === "string" ? ["key"] : ["key", index];
    if (names.indexOf(name) !== index) return report(path, "value", `key lists \`${name}\` twice`);
    if (OBJECT_MEMBERS.has(name)) {
      return report(
        path,
        "value",
        `\`${name}\` cannot be a key field: every JavaScript object has a \`${name}\`, so a key object could not tell a missing \`${name}\` from one given; rename the field (e.g. \`${name}Id\`)`,
      );
    }
    const field = resolveField(parts, name, () => report(path, "value", `key field ${notDeclared(name, parts)}`));
    if (field === undefined) return;
    const problem = field.optional
      ? "is optional; a key field must always have a value"
      : field.nullable
        ? "is nullable; a key field must always have a value"
        : field.encrypt
          ? "is encrypted; key fields appear in clear in Redis key names, so they cannot be encrypted"
          : !isKeyable(field.type)
            ? `is \`${typeLabel(field.type)}\`; key fields must be ${KEYABLE_TYPES}`
            : undefined;
    if (problem !== undefined) report(path, "value", `key field \`${name}\` ${problem}`);
  });
}

/** Members of `Object.prototype` (`__proto__` is refused as any property name already). */
const OBJECT_MEMBERS: ReadonlySet<string> = new Set([
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

function checkIndexes(parts: EntityParts, report: Report): void {
  const keySet = sortedSet(typeof parts.key === "string" ? [parts.key] : (parts.key ?? []));
  const seen = new Map<string, string>();
  for (const [name, index] of parts.indexes) {
    const subject = `index \`${name}\``;
    checkLookupFields(parts, report, "index", name, index.fields);
    const fieldSet = sortedSet(index.fields);
    const method = `get${indexMethodSuffix(name)}`;
    if (fieldSet === keySet) {
      report(["indexes", name], "key", `${subject} has the same fields as the key; remove it and use \`get(key)\``);
    } else if (seen.has(fieldSet)) {
      report(
        ["indexes", name],
        "key",
        `${subject} has the same fields as index \`${seen.get(fieldSet)}\`; remove one of them`,
      );
    } else if (REPOSITORY_METHODS.has(method)) {
      report(
        ["indexes", name],
        "key",
        `${subject} would generate \`${method}\`, which every repository already has; rename the index`,
      );
    }
    if (!seen.has(fieldSet)) seen.set(fieldSet, name);
  }
}

/** The fields of an index or a list: declared, each once, keyable, in clear (they are part of its Redis key). */
function checkLookupFields(
  parts: EntityParts,
  report: Report,
  kind: "index" | "list",
  name: string,
  fields: readonly string[],
): void {
  const subject = `${kind} \`${name}\``;
  fields.forEach((fieldName, position) => {
    const path = [kind === "index" ? "indexes" : "lists", name, "fields", position];
    if (fields.indexOf(fieldName) !== position) return report(path, "value", `${subject} lists \`${fieldName}\` twice`);
    const field = resolveField(parts, fieldName, () =>
      report(path, "value", `${subject} field ${notDeclared(fieldName, parts)}`),
    );
    if (field?.encrypt) {
      report(
        path,
        "value",
        `${subject} cannot use encrypted field \`${fieldName}\`: its value would appear in clear in the ${kind} key`,
      );
    } else if (field && !isKeyable(field.type)) {
      report(
        path,
        "value",
        `${subject} cannot use \`${fieldName}\` (\`${typeLabel(field.type)}\`); ${kind} fields must be ${KEYABLE_TYPES}`,
      );
    }
  });
}

function checkLists(parts: EntityParts, report: Report): void {
  const keySet = sortedSet(typeof parts.key === "string" ? [parts.key] : (parts.key ?? []));
  const indexesByFields = new Map([...parts.indexes].map(([name, index]) => [sortedSet(index.fields), name]));
  const seen = new Map<string, string>();
  for (const [name, list] of parts.lists) {
    const subject = `list \`${name}\``;
    checkLookupFields(parts, report, "list", name, list.fields);
    const fieldSet = sortedSet(list.fields);
    if (parts.indexes.has(name)) {
      report(
        ["lists", name],
        "key",
        `${subject} has the name of index \`${name}\`; rename one of them (\`get${indexMethodSuffix(name)}\` and \`list${indexMethodSuffix(name)}\` would look up different things under one name)`,
      );
    } else if (fieldSet === keySet) {
      report(["lists", name], "key", `${subject} has the same fields as the key, so it holds one entity at most; use \`get(key)\``);
    } else if (indexesByFields.has(fieldSet)) {
      report(
        ["lists", name],
        "key",
        `${subject} has the same fields as unique index \`${indexesByFields.get(fieldSet)}\`, so it holds one entity at most; use \`get${indexMethodSuffix(indexesByFields.get(fieldSet)!)}\``,
      );
    } else if (seen.has(fieldSet)) {
      report(["lists", name], "key", `${subject} has the same fields as list \`${seen.get(fieldSet)}\`; remove one of them`);
    }
    if (!seen.has(fieldSet)) seen.set(fieldSet, name);
  }
}

function checkTags(parts: EntityParts, report: Report): void {
  const methods = new Map<string, string>();
  parts.tags.forEach((tag, index) => {
    if (tag === undefined) return;
    const path = ["tags", index];
    const subject = `tag ${showValue(tag)}`;
    const { pattern, problem } = parseTagPattern(tag);
    if (pattern === undefined) return report(path, "value", `${subject} ${problem}`);
    for (const fieldName of pattern.fields) {
      const field = resolveField(parts, fieldName, () =>
        report(
          path,
          "value",
          `${subject} placeholder {${fieldName}} is not a field${didYouMean(fieldName, parts.declaredFields)}`,
        ),
      );
      if (field?.encrypt) {
        report(
          path,
          "value",
          `${subject} uses encrypted field \`${fieldName}\`: its value would appear in clear in the tag key`,
        );
      } else if (field && !isKeyable(field.type)) {
        report(
          path,
          "value",
          `${subject} uses \`${fieldName}\` (\`${typeLabel(field.type)}\`); placeholders must be fields of type ${KEYABLE_TYPES}`,
        );
      }
    }
    const method = tagMethodName(tagMethodSuffix(pattern.literals));
    const earlier = methods.get(method);
    if (earlier !== undefined) {
      report(
        path,
        "value",
        `${subject} would generate \`${method}\`, as tag ${showValue(earlier)} does; change the text outside the placeholders of one of them`,
      );
    } else if (REPOSITORY_METHODS.has(method)) {
      report(
        path,
        "value",
        `${subject} would generate \`${method}\`, which every repository already has; change the text outside its placeholders`,
      );
    }
    methods.set(method, earlier ?? tag);
  });
}

function checkVersionField(parts: EntityParts, report: Report): void {
  const name = parts.versionField;
  if (name === undefined) return;
  const path = ["versionField"];
  const field = resolveField(parts, name, () => report(path, "value", `versionField ${notDeclared(name, parts)}`));
  if (field === undefined) return;
  const type = typeLabel(field.type);
  const problem =
    type !== "int" && type !== "datetime"
      ? `is \`${type}\`; the version field must be an \`int\` or \`datetime\` that grows with every write`
      : field.optional || field.nullable
        ? `is ${field.optional ? "optional" : "nullable"}; the version field must always have a value`
        : field.encrypt
          ? "is encrypted; the version is stored in clear beside the value so Redis can compare it"
          : undefined;
  if (problem !== undefined) report(path, "value", `versionField \`${name}\` ${problem}`);
}

function checkExpiresAt(parts: EntityParts, report: Report): void {
  const name = parts.expiresAt;
  if (name === undefined) return;
  const path = ["expiresAt"];
  const field = resolveField(parts, name, () => report(path, "value", `expiresAt ${notDeclared(name, parts)}`));
  if (field === undefined) return;
  const type = typeLabel(field.type);
  if (type !== "datetime") {
    report(
      path,
      "value",
      `expiresAt \`${name}\` is \`${type}\`; it must name a \`datetime\` field (the instant the entry expires)`,
    );
  }
}

function checkStrategyOptions(parts: EntityParts, report: Report): void {
  if (parts.writeBehind !== undefined && parts.strategy !== undefined && parts.strategy !== "write-behind") {
    const entity = parts.entity === undefined ? "this entity" : `\`${parts.entity}\``;
    report(
      ["writeBehind"],
      "key",
      `writeBehind applies only to write-behind entities, but ${entity} is \`${parts.strategy}\`; remove it or set \`strategy: write-behind\``,
    );
  }
}

/** A set of names as one comparable string. */
function sortedSet(names: readonly string[]): string {
  return JSON.stringify([...new Set(names)].sort());
}
