import type { BlockStatement } from "./layout-parse.js";
import { type Cursor, fail } from "./layout-tokens.js";
import { ownLineComment, typeText } from "./layout-types.js";

/**
 * A class `layout-print.ts` lays out: `class Name extends Base<A, B> {` (type arguments broken one
 * a line when the header does not fit, as prettier does), then constructors and methods whose
 * bodies are `return` and call statements.
 */
export interface ClassDeclaration {
  readonly kind: "class";
  /** `export class Name extends Base`. */
  readonly header: string;
  readonly typeArguments: readonly string[];
  readonly members: readonly ClassMember[];
}

export interface ClassMember {
  readonly comments: readonly string[];
  /** A blank line before the member (prettier keeps one). */
  readonly blankBefore: boolean;
  readonly name: string;
  /** `a: A`, each printed flat; one a line when the signature does not fit (as prettier does). */
  readonly parameters: readonly string[];
  /** `: R`, or "" (a constructor). */
  readonly returnType: string;
  readonly body: readonly BlockStatement[];
}

/** After `class`: the rest of the declaration; `block` reads a method's body at the cursor. */
export function classDeclaration(cursor: Cursor, exported: string, block: () => BlockStatement[]): ClassDeclaration {
  const name = cursor.word();
  cursor.expect("extends");
  const base = cursor.word();
  const typeArguments: string[] = [];
  if (cursor.accept("<")) {
    do typeArguments.push(typeText(cursor));
    while (cursor.accept(","));
    cursor.expect(">");
  }
  cursor.expect("{");
  const members: ClassMember[] = [];
  while (!cursor.accept("}")) {
    const blankBefore = (cursor.peek()?.breaksBefore ?? 0) > 1;
    if (blankBefore && members.length === 0) fail();
    const comments: string[] = [];
    while (cursor.peek()?.kind === "comment") {
      // A blank line between a comment and its member is kept by prettier: not laid out here.
      if (comments.length > 0 && (cursor.peek()?.breaksBefore ?? 0) !== 1) fail();
      comments.push(ownLineComment(cursor, "  ", true));
    }
    if (comments.length > 0 && cursor.peek()?.breaksBefore !== 1) fail();
    members.push({ comments, blankBefore, ...signature(cursor), body: block() });
    if (cursor.peek()?.breaksBefore === 0) fail();
  }
  if (members.length === 0) fail();
  return { kind: "class", header: `${exported}class ${name} extends ${base}`, typeArguments, members };
}

function signature(cursor: Cursor): Pick<ClassMember, "name" | "parameters" | "returnType"> {
  const name = cursor.word();
  if (["get", "set", "static", "async", "private", "protected", "public", "readonly"].includes(name)) fail();
  cursor.expect("(");
  const parameters: string[] = [];
  while (!cursor.accept(")")) {
    const parameter = cursor.word();
    const optional = cursor.accept("?") ? "?" : ""; // `options?: InvalidateOptions`
    cursor.expect(":");
    parameters.push(`${parameter}${optional}: ${typeText(cursor)}`);
    if (!cursor.accept(",")) {
      cursor.expect(")");
      break;
    }
  }
  const returnType = cursor.accept(":") ? `: ${typeText(cursor)}` : "";
  return { name, parameters, returnType };
}
