import { classDeclaration, type ClassDeclaration } from "./layout-class.js";
import { importParts, parameterList, interfaceMembers, type Member, ownLineComment, typeText } from "./layout-types.js";
import { Cursor, fail, keywordValues, reservedWords, tokenize, Unsupported } from "./layout-tokens.js";

/**
 * The syntax `layout-print.ts` lays out without prettier: a statement group of `const`
 * declarations and call statements whose values are object and array literals, plain strings and
 * numbers, names, `a.b` member reads, calls and `new` with type arguments of names, and arrow
 * functions of at most one parameter; comments on their own line before a statement or a
 * property, and `// comments` after a property. Anything else (and any text prettier would
 * rewrite inside a token: quotes, escapes, number spelling, non-ASCII text) is not parsed:
 * `parseUnit` answers undefined and the unit goes to prettier.
 */

export type Expression =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "object"; readonly properties: readonly Property[]; readonly expanded: boolean }
  | { readonly kind: "array"; readonly elements: readonly Expression[] }
  | {
      readonly kind: "call";
      readonly callee: string;
      readonly typeArguments: readonly string[];
      readonly arguments: readonly Expression[];
    }
  | { readonly kind: "arrow"; readonly parameter: string | undefined; readonly body: Expression }
  | { readonly kind: "as-const"; readonly expression: Expression }
  /** `async () => {` ... `}`: an arrow with a block body. */
  | { readonly kind: "block-arrow"; readonly prefix: string; readonly body: readonly BlockStatement[] }
  /** `new A(x).b(y)`: a call on the result of a call. */
  | { readonly kind: "member-call"; readonly object: Expression; readonly call: Extract<Expression, { kind: "call" }> };

/** A statement in a block: `return x;`, `await x;`, `const name = x;`, `const { a, ...b } = x;`, `x;`. */
export interface BlockStatement {
  readonly keyword: string;
  readonly value: Expression;
}

/** `export function name(a: A): R {` ... `}`. */
export interface FunctionDeclaration {
  readonly kind: "function";
  readonly header: string;
  readonly parameters: readonly string[];
  readonly returnType: string;
  readonly body: readonly BlockStatement[];
}

export interface Property {
  /** `key: value`; a shorthand property has no value. */
  readonly key: string;
  readonly value: Expression | undefined;
  readonly spread: boolean;
  readonly leadingComments: readonly string[];
  readonly trailingComment: string | undefined;
}

export interface Statement {
  readonly leadingComments: readonly Comment[];
  /** `export const name: Type = ` or `const name = `; empty for a call statement. */
  readonly head: string;
  readonly value: Expression | Declaration | ClassDeclaration | Import | FunctionDeclaration;
  /** Blank line(s) between this statement and the previous one (or its last comment). */
  readonly blankBefore: boolean;
}

/**
 * An import, type alias or interface (`text`, then `members` in braces when there are any),
 * printed flat but for the interface's members, one a line.
 */
export interface Declaration {
  readonly kind: "declaration";
  readonly text: string;
  readonly members: readonly Member[];
}

export interface Import {
  readonly kind: "import";
  readonly typeOnly: boolean;
  readonly specifiers: readonly string[];
  /** The module, a string literal. */
  readonly source: string;
}

export interface Comment {
  readonly text: string;
  readonly blankBefore: boolean;
}

/** The statements of a unit, or undefined when it holds syntax this module does not lay out. */
export function parseUnit(text: string): Statement[] | undefined {
  try {
    return new Parser(tokenize(text)).statements();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Parser extends Cursor {
  statements(): Statement[] {
    const statements: Statement[] = [];
    while (!this.done) {
      const leadingComments: Comment[] = [];
      while (this.peek()?.kind === "comment") {
        const blankBefore = (this.peek()?.breaksBefore ?? 0) > 1;
        leadingComments.push({ text: ownLineComment(this, ""), blankBefore });
      }
      const first = this.peek();
      if (first === undefined) {
        // Comments alone (a file's header).
        statements.push({
          leadingComments,
          head: "",
          value: { kind: "declaration", text: "", members: [] },
          blankBefore: false,
        });
        break;
      }
      if ((statements.length > 0 || leadingComments.length > 0) && first.breaksBefore === 0) fail();
      const [head, value] = this.statement();
      statements.push({ leadingComments, head, value, blankBefore: first.breaksBefore > 1 });
    }
    return statements;
  }

  private statement(): [head: string, value: Statement["value"]] {
    const exported = this.accept("export") ? "export " : "";
    if (!exported && this.peek()?.text === "import" && this.peekSecond()?.text === "type") {
      this.index += 2;
      const { specifiers, source } = importParts(this);
      this.expect(";");
      return ["", { kind: "import", typeOnly: true, specifiers, source }];
    }
    if (!exported && this.accept("import")) {
      const { specifiers, source } = importParts(this);
      this.expect(";");
      return ["", { kind: "import", typeOnly: false, specifiers, source }];
    }
    if (exported && this.accept("interface")) {
      const name = this.word();
      this.expect("{");
      return ["", { kind: "declaration", text: `${exported}interface ${name}`, members: interfaceMembers(this) }];
    }
    if (exported && this.accept("class")) return ["", classDeclaration(this, exported, () => this.block())];
    if (exported && this.accept("function")) {
      const header = `${exported}function ${this.word()}`;
      this.expect("(");
      const parameters = parameterList(this);
      this.expect(":");
      const returnType = typeText(this);
      return ["", { kind: "function", header, parameters, returnType, body: this.block() }];
    }
    if (exported && this.accept("*")) {
      this.expect("from");
      const source = this.next();
      if (source.kind !== "string") fail();
      this.expect(";");
      return ["", { kind: "declaration", text: `export * from ${source.text};`, members: [] }];
    }
    if (exported && this.accept("type")) {
      const name = this.word();
      this.expect("=");
      const text = `${exported}type ${name} = ${typeText(this)};`;
      this.expect(";");
      return ["", { kind: "declaration", text, members: [] }];
    }
    let head = "";
    if (exported || this.peek()?.text === "const") {
      this.expect("const");
      head = `${exported}const ${this.word()}`;
      if (this.accept(":")) head += `: ${typeText(this)}`;
      this.expect("=");
      head += " = ";
    }
    const value = this.expression();
    this.expect(";");
    return [head, value];
  }

  /** `{` statements `}`, each on a line of its own; the closing brace ends its line. */
  block(): BlockStatement[] {
    this.expect("{");
    const statements: BlockStatement[] = [];
    while (!this.accept("}")) {
      if (this.peek()?.breaksBefore !== 1) fail();
      let keyword = "";
      if (this.accept("return")) keyword = "return ";
      else if (this.accept("await")) keyword = "await ";
      else if (this.accept("const")) {
        keyword = `const ${this.accept("{") ? this.pattern() : this.word()} = `;
        this.expect("=");
      }
      statements.push({ keyword, value: this.expression() });
      this.expect(";");
    }
    if (statements.length === 0) fail();
    return statements;
  }

  /** `{ a, ...b }` after its `{`, written on one line (printed flat; the line check guards it). */
  private pattern(): string {
    const names: string[] = [];
    while (!this.accept("}")) {
      if ((this.peek()?.breaksBefore ?? 0) > 0) fail();
      names.push(this.accept("...") ? `...${this.word()}` : this.word());
      if (!this.accept(",")) {
        this.expect("}");
        break;
      }
    }
    if (names.length === 0) fail();
    return `{ ${names.join(", ")} }`;
  }

  private expression(): Expression {
    const token = this.next();
    let expression: Expression;
    if (token.text === "async" && this.peek()?.text === "(") {
      this.expect("(");
      this.expect(")");
      this.expect("=>");
      return { kind: "block-arrow", prefix: "async () => ", body: this.block() };
    }
    if (token.text === "{") expression = this.object();
    else if (token.text === "[") expression = this.array();
    else if (token.text === "(") expression = this.arrow();
    else if (token.kind === "string" || token.kind === "number") expression = { kind: "text", text: token.text };
    else if (token.text === "-" && this.peek()?.kind === "number")
      expression = { kind: "text", text: `-${this.next().text}` };
    else if (token.text === "new") expression = this.call(`new ${this.word()}`);
    else if (token.kind === "word" && !reservedWords.has(token.text)) expression = this.reference(token.text);
    else return fail();
    if (this.peek()?.text === "as" && this.tokens[this.index + 1]?.text === "const" && expression.kind === "object") {
      this.index += 2;
      return { kind: "as-const", expression };
    }
    return expression;
  }

  /** A name, `a.b.c`, or a call of one. */
  private reference(first: string): Expression {
    let name = first;
    while (this.accept(".")) name += `.${this.word()}`;
    if (keywordValues.has(name) || !["(", "<"].includes(this.peek()?.text ?? "")) return { kind: "text", text: name };
    // `a.b(...)` is a member chain prettier prints on one line when it fits; longer chains are not laid out here.
    if (name.split(".").length > 2) fail();
    return this.call(name);
  }

  private call(callee: string): Expression {
    const typeArguments: string[] = [];
    if (this.accept("<")) {
      do typeArguments.push(this.word());
      while (this.accept(","));
      this.expect(">");
    }
    this.expect("(");
    const args = this.list(")", () => this.expression());
    const call = { kind: "call", callee, typeArguments, arguments: args } as const;
    if (this.peek()?.text === "(") fail();
    if (!this.accept(".")) return call;
    // One call on the result (`new A(1).b(2)`) is a short member chain, printed on one line when it
    // fits; longer chains prettier lays out its own way.
    const member = this.word();
    if (this.peek()?.text !== "(") fail();
    const next = this.call(member);
    if (next.kind !== "call" || next.typeArguments.length > 0) return fail();
    return { kind: "member-call", object: call, call: next };
  }

  private arrow(): Expression {
    const parameter = this.peek()?.text === ")" ? undefined : this.word();
    this.expect(")");
    this.expect("=>");
    if (this.peek()?.text === "{") fail(); // a block body
    if (!this.accept("(")) return { kind: "arrow", parameter, body: this.expression() };
    // `=> ({ ... })`: an object body, in the parentheses prettier prints around it.
    this.expect("{");
    const body = this.object();
    this.expect(")");
    return { kind: "arrow", parameter, body };
  }

  private object(): Expression {
    const first = this.peek() ?? fail();
    const properties = this.list("}", () => this.property(), true);
    return { kind: "object", properties, expanded: properties.length > 0 && first.breaksBefore > 0 };
  }

  private property(): Property {
    const leadingComments: string[] = [];
    while (this.peek()?.kind === "comment") {
      const token = this.next();
      // Only a one-line comment on a line of its own is kept as it is.
      if (token.breaksBefore === 0 || token.text.includes("\n") || /\s$/.test(token.text)) fail();
      leadingComments.push(token.text);
    }
    if (leadingComments.length > 0 && (this.peek()?.breaksBefore ?? 0) !== 1) fail();
    const spread = this.accept("...");
    const key = this.word();
    if (reservedWords.has(key)) fail();
    const value = !spread && this.accept(":") ? this.expression() : undefined;
    return { key, value, spread, leadingComments, trailingComment: undefined };
  }

  private array(): Expression {
    return { kind: "array", elements: this.list("]", () => this.expression()) };
  }

  /**
   * Items separated by commas up to `close`, an optional trailing comma; a `// comment` that ends
   * the line of a property (after its comma) becomes that property's trailing comment.
   */
  private list<T>(close: string, item: () => T, properties = false): T[] {
    const items: T[] = [];
    while (!this.accept(close)) {
      const parsed = item();
      items.push(parsed);
      if (!this.accept(",")) {
        this.expect(close);
        break;
      }
      const next = this.peek();
      if (next?.kind === "comment" && next.breaksBefore === 0) {
        if (!properties || !next.text.startsWith("//") || /\s$/.test(next.text)) fail();
        this.index += 1;
        items[items.length - 1] = { ...(parsed as Property), trailingComment: next.text } as T;
      }
      // A blank line between items is kept by prettier: not laid out here.
      if ((this.peek()?.breaksBefore ?? 0) > 1) fail();
    }
    return items;
  }
}
