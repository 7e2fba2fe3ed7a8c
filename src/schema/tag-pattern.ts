import { IDENTIFIER_PATTERN } from "./identifiers.js";

/** `org:{orgId}:team:{teamId}` -> literals `org:`, `:team:`; fields `orgId`, `teamId`. */
export interface TagPattern {
  readonly literals: readonly string[];
  readonly fields: readonly string[];
}

export type TagPatternResult =
  | { readonly pattern: TagPattern; readonly problem?: undefined }
  | { readonly pattern?: undefined; readonly problem: string };

const PLACEHOLDER = /\{([^{}]*)\}/;
/** Tags become Redis key parts, which must stay safe for SCAN MATCH globs. */
const LITERAL = /^[A-Za-z0-9_.:-]*$/;

export function parseTagPattern(text: string): TagPatternResult {
  // With a capture group, split alternates literal, field, literal, ..., literal.
  const parts = text.split(PLACEHOLDER);
  const literals = parts.filter((_, index) => index % 2 === 0);
  const fields = parts.filter((_, index) => index % 2 === 1);
  const problem = findProblem(literals, fields);
  if (problem !== undefined) return { problem };
  return { pattern: { literals: literals.filter((literal) => literal !== ""), fields } };
}

function findProblem(literals: readonly string[], fields: readonly string[]): string | undefined {
  if (literals.some((literal) => literal.includes("{") || literal.includes("}"))) {
    return "has an unmatched `{` or `}`; write placeholders as `{field}`";
  }
  if (fields.length === 0) {
    return "has no placeholder; name the field that groups entities, e.g. `team:{teamId}`";
  }
  const badField = fields.find((field) => !IDENTIFIER_PATTERN.test(field));
  if (badField !== undefined) return `has placeholder {${badField}}, which is not a field name`;
  const badLiteral = literals.find((literal) => !LITERAL.test(literal));
  if (badLiteral !== undefined) {
    return `has ${JSON.stringify(badLiteral)} outside placeholders; use only letters, digits, \`:\`, \`-\`, \`_\` and \`.\` there`;
  }
  // Placeholder values are encoded so that they never contain `:`; a `:` between two of them
  // keeps `{a}:{b}` injective, where `{a}{b}` or `{a}-{b}` would not be.
  if (literals.slice(1, -1).some((separator) => !separator.includes(":"))) {
    return "must separate placeholders with `:`, e.g. `org:{orgId}:team:{teamId}`";
  }
  const repeated = fields.find((field, index) => fields.indexOf(field) !== index);
  if (repeated !== undefined) return `uses placeholder {${repeated}} twice`;
  if (!literals.some((literal) => /[A-Za-z0-9]/.test(literal))) {
    return "needs a name outside its placeholders, e.g. `team:{teamId}`, from which the method `invalidateByTeam` is named";
  }
  return undefined;
}
