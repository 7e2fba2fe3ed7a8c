/** Small helpers that turn values and names into TypeScript source text. */

const identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words that are valid property names but not valid parameter or variable names. */
const reservedWords = new Set([
  "arguments",
  "await",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "eval",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "implements",
  "import",
  "in",
  "instanceof",
  "interface",
  "let",
  "new",
  "null",
  "package",
  "private",
  "protected",
  "public",
  "return",
  "static",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "yield",
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

/**
 * Text from a schema (a file path) placed inside a comment: control characters escaped (a line
 * break would end a line comment) and a star-slash broken up (it would end a JSDoc comment).
 */
export function commentText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replaceAll("*/", "*\\/");
}

/** Generated code's line width, as the format stage's prettier options have it. */
const LINE_WIDTH = 100;

/**
 * A JSDoc comment for a declaration indented by `indent`: one line when it fits, else wrapped at
 * spaces outside code spans. The first line carries no indentation (the template places it);
 * the following lines carry `indent`. `paragraphs` are separate lines of the comment.
 */
export function docComment(indent: string, ...paragraphs: readonly string[]): string {
  const single = `/** ${paragraphs.join(" ")} */`;
  if (paragraphs.length === 1 && indent.length + single.length <= LINE_WIDTH) return single;
  const lines = paragraphs.flatMap((paragraph) => wrapWords(paragraph, LINE_WIDTH - indent.length - 3));
  return ["/**", ...lines.map((line) => `${indent} * ${line}`), `${indent} */`].join("\n");
}

/** Words joined into lines of at most `width` (a longer word stands alone); a code span is one word. */
function wrapWords(text: string, width: number): string[] {
  const words = text.match(/(?:`[^`]*`|[^\s`])+/g) ?? [];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
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
