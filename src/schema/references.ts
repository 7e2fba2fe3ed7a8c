import { errorAt, type Diagnostic } from "../diagnostics.js";
import { generatedExports, kebabCase, RESERVED_FILE_BASES, RESERVED_NAMES } from "./naming.js";
import { checkEntityReferences, resolveField, type Report } from "./entity-references.js";
import type { EntityParts } from "./entity-parts.js";
import { isKeyable, typeLabel, valueClass } from "./field-types.js";
import { didYouMean } from "../suggest.js";
import type { EntityCandidate } from "./validate.js";
import { listNames, showValue } from "../wording.js";
import type { FieldType } from "./fields.js";
import { valueSchema } from "../runtime/entity-schema.js";

/**
 * The checks that need more than one property: references inside each entity, entity names
 * across all files, and `invalidates` between entities. Runs on every entity, valid or not, using
 * whatever parts of it are valid, so one run reports every problem.
 */
export function checkReferences(candidates: readonly EntityCandidate[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const reporterFor =
    ({ document, path }: EntityCandidate): Report =>
    (relative, which, message) => {
      diagnostics.push(errorAt(document.file, document.locate([...path, ...relative], which), message));
    };
  const entities = checkEntityNames(candidates, reporterFor);
  for (const candidate of candidates) {
    const report = reporterFor(candidate);
    checkEntityReferences(candidate.parts, report);
    checkInvalidates(candidate.parts, entities, report);
  }
  return diagnostics;
}

/** Unique names whose generated files and exports do not collide; returns each name's first declaration. */
function checkEntityNames(
  candidates: readonly EntityCandidate[],
  reporterFor: (candidate: EntityCandidate) => Report,
): Map<string, EntityCandidate> {
  const byName = new Map<string, EntityCandidate>();
  const generatedBy = new Map<string, EntityCandidate>();
  for (const candidate of candidates) {
    const name = candidate.parts.entity;
    if (name === undefined) continue;
    const report = (message: string) => reporterFor(candidate)(["entity"], "value", message);
    const first = byName.get(name);
    if (first !== undefined) {
      report(`entity \`${name}\` is already declared at ${nameLocation(first)}; rename one of them`);
      continue;
    }
    byName.set(name, candidate);
    const file = `${kebabCase(name)}.ts`;
    const generated = [file, ...generatedExports(name)];
    const taken = generated.find((generatedName) => generatedBy.has(generatedName));
    const shadowed = generated.find((generatedName) => RESERVED_NAMES.has(generatedName));
    if (shadowed === name) {
      report(`entity \`${name}\` would shadow \`${name}\` in the generated code; rename it`);
    } else if (shadowed !== undefined) {
      report(`entity \`${name}\` would generate \`${shadowed}\`, a name the generated code already uses; rename it`);
    } else if (RESERVED_FILE_BASES.has(kebabCase(name))) {
      report(`entity \`${name}\` would generate \`${file}\`, which cachegen writes for itself; rename it`);
    } else if (taken !== undefined) {
      const owner = generatedBy.get(taken);
      const ownerText = owner === undefined ? "" : ` \`${owner.parts.entity}\` (${nameLocation(owner)})`;
      report(`entity \`${name}\` would generate \`${taken}\`, which${ownerText} generates too; rename one of them`);
    }
    for (const generatedName of generated)
      if (!generatedBy.has(generatedName)) generatedBy.set(generatedName, candidate);
  }
  return byName;
}

/** `schemas/user.yaml:1:9`: where an entity's name is written. */
function nameLocation({ document, path }: EntityCandidate): string {
  const { line, column } = document.locate([...path, "entity"], "value");
  return `${document.file}:${line}:${column}`;
}

function checkInvalidates(parts: EntityParts, entities: ReadonlyMap<string, EntityCandidate>, report: Report): void {
  const thisEntity = parts.entity === undefined ? "this entity" : `\`${parts.entity}\``;
  parts.invalidates.forEach((target, index) => {
    if (target === undefined) return;
    const path = ["invalidates", index];
    const other = entities.get(target.entity)?.parts;
    if (other === undefined) {
      const suggestion = didYouMean(target.entity, [...entities.keys()]);
      return report(
        [...path, "entity"],
        "value",
        `invalidates entity ${showValue(target.entity)} is not declared in any schema${suggestion}`,
      );
    }
    const subject = `invalidates \`${target.entity}\`:`;
    const otherKey = other.key === undefined ? undefined : typeof other.key === "string" ? [other.key] : other.key;
    for (const [otherField, thisField] of Object.entries(target.key)) {
      const mappingPath = [...path, "key", otherField];
      if (otherKey !== undefined && !otherKey.includes(otherField)) {
        report(
          mappingPath,
          "key",
          `${subject} ${showValue(otherField)} is not a key field of \`${target.entity}\`, whose key is ${listNames(otherKey, "and")}`,
        );
        continue;
      }
      const field = resolveField(parts, thisField, () =>
        report(
          mappingPath,
          "value",
          `${subject} ${showValue(thisField)} is not a field of ${thisEntity}${didYouMean(thisField, parts.declaredFields)}`,
        ),
      );
      const keyField = other.fields.get(otherField);
      if (
        field !== undefined &&
        keyField !== undefined &&
        (!isKeyable(field.type) || valueClass(field.type) !== valueClass(keyField.type))
      ) {
        report(
          mappingPath,
          "value",
          `${subject} \`${thisField}\` (\`${typeLabel(field.type)}\`) cannot fill its key field \`${otherField}\` (\`${typeLabel(keyField.type)}\`)`,
        );
      } else if (field !== undefined && keyField !== undefined) {
        const reason = neverFills(field.type, keyField.type);
        if (reason !== undefined) {
          report(
            mappingPath,
            "value",
            `${subject} \`${thisField}\` can never fill its key field \`${otherField}\` (${reason}), so a write would never drop a \`${target.entity}\` entry; map a field that holds values of \`${otherField}\``,
          );
        }
      }
    }
    for (const keyField of otherKey ?? []) {
      if (!Object.hasOwn(target.key, keyField)) {
        report(
          [...path, "key"],
          "value",
          `${subject} its key field \`${keyField}\` is not mapped; add \`${keyField}: <field>\` naming a field of ${thisEntity}`,
        );
      }
    }
  });
}

/**
 * Why no value of a field of type `own` can be a value of the key field of type `key`, where both
 * hold strings (`valueClass`); undefined when some can.
 */
function neverFills(own: FieldType, key: FieldType): string | undefined {
  if (key.kind === "enum") {
    if (key.values.some((value) => valueSchema(own).safeParse(value).success)) return undefined;
    if (own.kind === "enum") return `its values ${listValues(own.values)} are none of ${listValues(key.values)}`;
    return `none of ${listValues(key.values)} is ${describeString(own)}`;
  }
  if (own.kind === "enum") {
    if (own.values.some((value) => valueSchema(key).safeParse(value).success)) return undefined;
    return `none of its values ${listValues(own.values)} is ${describeString(key)}`;
  }
  if (own.kind === "scalar" && own.format !== undefined && key.kind === "scalar" && key.scalar === "uuid") {
    return `${describeString(own)} is never a uuid`;
  }
  return undefined;
}

/** `a uuid`, `an email address`: what a value of a string type is. */
function describeString(type: FieldType): string {
  if (type.kind !== "scalar") return `a \`${typeLabel(type)}\``;
  if (type.format === "email") return "an email address";
  if (type.format === "url") return "a URL";
  return `a ${type.scalar}`;
}

function listValues(values: readonly string[]): string {
  return values.map((value) => showValue(value)).join(", ");
}
