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
  | { readonly kind: "as-const"; readonly expression: Expression };

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
  readonly value: Expression;
  /** Blank line(s) between this statement and the previous one (or its last comment). */
  readonly blankBefore: boolean;
}

export interface Comment {
  readonly text: string;
  readonly blankBefore: boolean;
}

interface Token {
  readonly kind: "word" | "number" | "string" | "punctuation" | "comment";
  readonly text: string;
  /** Line breaks between the previous token and this one. */
  readonly breaksBefore: number;
}

class Unsupported extends Error {}

const fail = (): never => {
  throw new Unsupported();
};

/** Plain integers and decimals as prettier prints them (no exponent, no trailing zero, no prefix). */
const numberPattern = /^(?:0|[1-9][0-9_]*)(?:\.[0-9]*[1-9])?n?$/;
const wordPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const keywordValues = new Set(["true", "false", "null", "undefined", "this"]);
/** Words that start syntax this parser does not know, or that change how prettier prints. */
const reservedWords = new Set([
  "as",
  "async",
  "await",
  "class",
  "function",
  "import",
  "satisfies",
  "typeof",
  "void",
  "yield",
]);

function tokenize(text: string): Token[] {
  // Prettier measures width in columns, which differ from UTF-16 length outside ASCII; tabs too.
  if (/[^\x20-\x7e\n]/.test(text)) fail();
  const tokens: Token[] = [];
  const pattern =
    /(\n)|( +)|(\/\/[^\n]*)|(\/\*[\s\S]*?\*\/)|("[^"\\\n]*")|([A-Za-z_$][A-Za-z0-9_$]*)|([0-9][0-9_.]*n?)|(=>|\.\.\.|[{}[\]()<>,:;.=-])/y;
  let breaks = 0;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text) ?? fail();
    const [, newline, space, lineComment, blockComment, string, word, number, punctuation] = match;
    if (newline !== undefined) breaks += 1;
    if (newline !== undefined || space !== undefined) continue;
    const [kind, tokenText] =
      lineComment !== undefined
        ? (["comment", lineComment] as const)
        : blockComment !== undefined
          ? (["comment", blockComment] as const)
          : string !== undefined
            ? (["string", string] as const)
            : word !== undefined
              ? (["word", word] as const)
              : number !== undefined
                ? (["number", number] as const)
                : (["punctuation", punctuation as string] as const);
    if (kind === "number" && !numberPattern.test(tokenText)) fail();
    if (kind === "string" && tokenText.includes("'")) fail();
    tokens.push({ kind, text: tokenText, breaksBefore: breaks });
    breaks = 0;
  }
  return tokens;
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

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  statements(): Statement[] {
    const statements: Statement[] = [];
    while (this.index < this.tokens.length) {
      const leadingComments: Comment[] = [];
      while (this.peek()?.kind === "comment") {
        const token = this.next();
        leadingComments.push({ text: this.ownLineComment(token), blankBefore: token.breaksBefore > 1 });
      }
      const first = this.peek() ?? fail();
      if (statements.length > 0 || leadingComments.length > 0) {
        if (first.breaksBefore === 0) fail();
      }
      let head = "";
      if (first.text === "export" || first.text === "const") {
        if (this.accept("export")) head = "export ";
        this.expect("const");
        head += `const ${this.word()}`;
        if (this.accept(":")) head += `: ${this.word()}`;
        this.expect("=");
        head += " = ";
      }
      const value = this.expression();
      this.expect(";");
      statements.push({ leadingComments, head, value, blankBefore: first.breaksBefore > 1 });
    }
    return statements;
  }

  private expression(): Expression {
    const token = this.next();
    let expression: Expression;
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
    // A call's result read further (`a().b`) is a member chain, which prettier lays out its own way.
    if (this.peek()?.text === "." || this.peek()?.text === "(") fail();
    return { kind: "call", callee, typeArguments, arguments: args };
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

  /** A comment on a line of its own before a statement: prettier keeps it as it is when it is tidy. */
  private ownLineComment(token: Token): string {
    if (this.index > 1 && token.breaksBefore === 0) fail();
    const lines = token.text.split("\n");
    if (lines.some((text) => /\s$/.test(text))) fail();
    // A block comment's later lines are reindented unless each starts with ` *`, at column 0.
    if (lines.slice(1).some((text) => !text.startsWith(" *"))) fail();
    return token.text;
  }

  private word(): string {
    const token = this.next();
    if (token.kind !== "word" || !wordPattern.test(token.text)) fail();
    return token.text;
  }

  private accept(text: string): boolean {
    if (this.peek()?.text !== text || this.peek()?.kind === "string") return false;
    this.index += 1;
    return true;
  }

  private expect(text: string): void {
    if (!this.accept(text)) fail();
  }

  private next(): Token {
    const token = this.tokens[this.index] ?? fail();
    this.index += 1;
    return token;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }
}
