import { type Cursor, fail } from "./layout-tokens.js";

/**
 * Type syntax for `layout-parse.ts`: type annotations (names, `a.B`, generic arguments, string and
 * number literal types, unions, `T[]`, parenthesized unions, one-line type literals), interfaces
 * whose members are property and method signatures, type aliases, and imports of named bindings.
 * Each type is read into the one spelling prettier prints when it fits on its line (the caller's
 * line check refuses the unit otherwise, since prettier then breaks it).
 */

/** An interface body member: its comments on lines of their own, its flat text, an end-of-line comment. */
export interface Member {
  readonly comments: readonly string[];
  readonly text: string;
  readonly trailingComment: string | undefined;
}

/** A union, an intersection, or a single type. */
export function typeText(cursor: Cursor): string {
  const members = [intersectionType(cursor)];
  while (cursor.accept("|")) members.push(intersectionType(cursor));
  return members.join(" | ");
}

function intersectionType(cursor: Cursor): string {
  const members = [postfixType(cursor)];
  while (cursor.accept("&")) members.push(postfixType(cursor));
  return members.join(" & ");
}

/** `a: A, b?: B)` after a `(`: each parameter as prettier prints it. */
export function parameterList(cursor: Cursor): string[] {
  const parameters: string[] = [];
  while (!cursor.accept(")")) {
    parameters.push(propertySignature(cursor));
    if (!cursor.accept(",")) {
      cursor.expect(")");
      break;
    }
  }
  return parameters;
}

function postfixType(cursor: Cursor): string {
  let text = primaryType(cursor);
  while (cursor.peek()?.text === "[" && cursor.peekSecond()?.text === "]") {
    cursor.next();
    cursor.next();
    text += "[]";
  }
  return text;
}

function primaryType(cursor: Cursor): string {
  const token = cursor.next();
  if (token.kind === "string" || token.kind === "number") return token.text;
  if (token.text === "(") {
    // Prettier keeps parentheses only where they are needed: around a union in an array type.
    const inner = typeText(cursor);
    cursor.expect(")");
    if (!inner.includes(" | ") || cursor.peek()?.text !== "[") fail();
    return `(${inner})`;
  }
  if (token.text === "{") return typeLiteral(cursor);
  if (token.kind !== "word" || ["typeof", "keyof", "readonly", "infer", "unique"].includes(token.text)) fail();
  let name = token.text;
  while (cursor.accept(".")) name += `.${cursor.word()}`;
  if (cursor.accept("<")) {
    const args = [typeText(cursor)];
    while (cursor.accept(",")) args.push(typeText(cursor));
    cursor.expect(">");
    name += `<${args.join(", ")}>`;
  }
  return name;
}

/** `{ a: T; b?: U }` written on one line; a type literal written broken stays broken in prettier. */
function typeLiteral(cursor: Cursor): string {
  const first = cursor.peek() ?? fail();
  if (first.breaksBefore > 0) fail();
  const members: string[] = [];
  while (!cursor.accept("}")) {
    members.push(propertySignature(cursor));
    if (!cursor.accept(";")) {
      cursor.expect("}");
      break;
    }
  }
  return members.length === 0 ? "{}" : `{ ${members.join("; ")} }`;
}

function propertySignature(cursor: Cursor): string {
  const name = cursor.word();
  const optional = cursor.accept("?") ? "?" : "";
  cursor.expect(":");
  return `${name}${optional}: ${typeText(cursor)}`;
}

/** A property signature, or a method signature `name?(a: A, b: B): R`. */
function memberText(cursor: Cursor): string {
  if (cursor.peekSecond()?.text !== "(" && !(cursor.peekSecond()?.text === "?" && isCallAhead(cursor))) {
    return propertySignature(cursor);
  }
  const name = cursor.word();
  const optional = cursor.accept("?") ? "?" : "";
  cursor.expect("(");
  const parameters = parameterList(cursor);
  cursor.expect(":");
  return `${name}${optional}(${parameters.join(", ")}): ${typeText(cursor)}`;
}

function isCallAhead(cursor: Cursor): boolean {
  const saved = cursor.position;
  cursor.next();
  cursor.next();
  const call = cursor.peek()?.text === "(";
  cursor.position = saved;
  return call;
}

/** The members of `interface Name {` ... `}`, after the `{`; the body must be written broken. */
export function interfaceMembers(cursor: Cursor): Member[] {
  const members: Member[] = [];
  while (!cursor.accept("}")) {
    const comments: string[] = [];
    while (cursor.peek()?.kind === "comment") comments.push(ownLineComment(cursor, "  "));
    const first = cursor.peek() ?? fail();
    // Prettier keeps one blank line between members; not laid out here.
    if (first.breaksBefore !== 1) fail();
    const text = memberText(cursor);
    cursor.expect(";");
    let trailingComment: string | undefined;
    const next = cursor.peek();
    if (next?.kind === "comment" && next.breaksBefore === 0) {
      if (!next.text.startsWith("//") || /\s$/.test(next.text)) fail();
      trailingComment = cursor.next().text;
    }
    members.push({ comments, text, trailingComment });
  }
  if (members.length === 0) fail();
  return members;
}

/**
 * A comment on a line of its own at `indentation`, as prettier reprints it: it must be tidy (no
 * trailing spaces; a block comment's later lines ` *` under its opening) for the text to be kept.
 */
export function ownLineComment(cursor: Cursor, indentation: string, blankLineBefore = indentation === ""): string {
  const token = cursor.next();
  if (token.breaksBefore === 0 && cursor.position > 1) fail();
  if (token.breaksBefore > 1 && !blankLineBefore) fail();
  const lines = token.text.split("\n");
  if (lines.some((text) => /\s$/.test(text))) fail();
  if (lines.slice(1).some((text) => text !== `${indentation} ${text.trim()}` || !text.trim().startsWith("*"))) fail();
  return token.text;
}

/** `import { a, type B, c as d } from "module"` after `import` (prettier never keeps it broken as written). */
export function importParts(cursor: Cursor): { specifiers: string[]; source: string } {
  cursor.expect("{");
  const specifiers: string[] = [];
  while (!cursor.accept("}")) {
    let specifier = cursor.word();
    if (specifier === "type" && cursor.peek()?.kind === "word" && cursor.peek()?.text !== "as") {
      specifier += ` ${cursor.word()}`;
    }
    if (cursor.accept("as")) specifier += ` as ${cursor.word()}`;
    specifiers.push(specifier);
    if (!cursor.accept(",")) {
      cursor.expect("}");
      break;
    }
  }
  if (specifiers.length === 0) fail();
  cursor.expect("from");
  const source = cursor.next();
  if (source.kind !== "string") fail();
  return { specifiers, source: source.text };
}
