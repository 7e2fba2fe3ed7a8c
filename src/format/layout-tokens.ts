/** Tokens of the generated TypeScript `layout-parse.ts` reads, and a cursor over them. */

export interface Token {
  readonly kind: "word" | "number" | "string" | "punctuation" | "comment";
  readonly text: string;
  /** Line breaks between the previous token and this one. */
  readonly breaksBefore: number;
}

/** Syntax not laid out here: the unit goes to prettier. */
export class Unsupported extends Error {}

export const fail = (): never => {
  throw new Unsupported();
};

/** Plain integers and decimals as prettier prints them (no exponent, no trailing zero, no prefix). */
const numberPattern = /^(?:0|[1-9][0-9_]*)(?:\.[0-9]*[1-9])?n?$/;
const wordPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
export const keywordValues = new Set(["true", "false", "null", "undefined", "this"]);
/** Words that start syntax this parser does not know, or that change how prettier prints. */
export const reservedWords = new Set(["as", "class", "function", "import", "satisfies", "typeof", "void", "yield"]);

export function tokenize(text: string): Token[] {
  // Prettier measures width in columns, which differ from UTF-16 length outside ASCII; tabs too.
  if (/[^\x20-\x7e\n]/.test(text)) fail();
  const tokens: Token[] = [];
  const pattern =
    /(\n)|( +)|(\/\/[^\n]*)|(\/\*[\s\S]*?\*\/)|("[^"\\\n]*")|([A-Za-z_$][A-Za-z0-9_$]*)|([0-9][0-9_.]*n?)|(=>|\.\.\.|[{}[\]()<>,:;.=?|&*-])/y;
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

export class Cursor {
  protected index = 0;

  constructor(protected readonly tokens: readonly Token[]) {}

  get position(): number {
    return this.index;
  }

  set position(index: number) {
    this.index = index;
  }

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  word(): string {
    const token = this.next();
    if (token.kind !== "word" || !wordPattern.test(token.text)) fail();
    return token.text;
  }

  accept(text: string): boolean {
    if (this.peek()?.text !== text || this.peek()?.kind === "string") return false;
    this.index += 1;
    return true;
  }

  expect(text: string): void {
    if (!this.accept(text)) fail();
  }

  next(): Token {
    const token = this.tokens[this.index] ?? fail();
    this.index += 1;
    return token;
  }

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  /** The token after the next one. */
  peekSecond(): Token | undefined {
    return this.tokens[this.index + 1];
  }
}
