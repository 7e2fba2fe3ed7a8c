/** Small helpers that turn values and names into TypeScript source text. */

const identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words that are valid property names but not valid parameter or variable names. */
const reservedWords = new Set([
  "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger",
  "default", "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally",
  "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let", "new",
  "null", "package", "private", "protected", "public", "return", "static", "super", "switch",
  "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
]);

/** A double-quoted string literal; JSON string syntax is valid TypeScript. */
export function stringLiteral(value: string): string {
  return JSON.stringify(value);
}

/** A property name as written in an object literal or interface: bare when it can be. */
export function propertyKey(name: string): string {
  return identifierPattern.test(name) ? name : stringLiteral(name);
}

/** `object.name`, or `object["name"]` for names that are not identifiers. */
export function propertyAccess(object: string, name: string): string {
  return identifierPattern.test(name) ? `${object}.${name}` : `${object}[${stringLiteral(name)}]`;
}

/** A parameter name for a field: the field name unless it is reserved or not an identifier. */
export function parameterName(fieldName: string): string {
  const cleaned = fieldName.replace(/[^A-Za-z0-9_$]/g, "_");
  const identifier = /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
  return reservedWords.has(identifier) ? `${identifier}Value` : identifier;
}

/** An integer literal with `_` thousands separators: `3_600_000`. */
export function numberLiteral(value: number): string {
  if (!Number.isInteger(value)) return String(value);
  const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, "_");
  return value < 0 ? `-${digits}` : digits;
}

export function stringArrayLiteral(values: readonly string[]): string {
  return `[${values.map(stringLiteral).join(", ")}]`;
}

/** `{ a: 1, b: 2 }` from finished `key: value` entries; `{}` when there are none. */
export function objectLiteral(entries: readonly string[]): string {
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}
