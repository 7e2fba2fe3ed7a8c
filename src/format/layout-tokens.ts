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
  // A scanner by character codes: it runs over every statement group of a cold run, where a
  // regular expression with a capture group per token kind cost three times as much.
  const tokens: Token[] = [];
  let breaks = 0;
  let position = 0;
  const push = (kind: Token["kind"], end: number): void => {
    tokens.push({ kind, text: text.slice(position, end), breaksBefore: breaks });
    breaks = 0;
    position = end;
  };
  while (position < text.length) {
    const code = text.charCodeAt(position);
    const next = text.charCodeAt(position + 1);
    if (code === newline) {
      breaks += 1;
      position += 1;
    } else if (code === space) {
      position += 1;
    } else if (code === slash && next === slash) {
      const end = text.indexOf("\n", position);
      push("comment", end === -1 ? text.length : end);
    } else if (code === slash && next === star) {
      const end = text.indexOf("*/", position + 2);
      if (end === -1) fail();
      push("comment", end + 2);
    } else if (code === quote) {
      const end = text.indexOf('"', position + 1);
      if (end === -1) fail();
      // Escapes are not read here, and prettier would print a string holding `'` with other quotes.
      if (/[\\\n']/.test(text.slice(position + 1, end))) fail();
      push("string", end + 1);
    } else if (isWordStart(code)) {
      let end = position + 1;
      while (end < text.length && isWordPart(text.charCodeAt(end))) end += 1;
      push("word", end);
    } else if (isDigit(code)) {
      let end = position + 1;
      while (end < text.length && isNumberPart(text.charCodeAt(end))) end += 1;
      if (text.charCodeAt(end) === letterN) end += 1;
      if (!numberPattern.test(text.slice(position, end))) fail();
      push("number", end);
    } else if (code === equals && next === greaterThan) {
      push("punctuation", position + 2);
    } else if (code === dot && next === dot && text.charCodeAt(position + 2) === dot) {
      push("punctuation", position + 3);
    } else if (punctuation.has(code)) {
      push("punctuation", position + 1);
    } else {
      fail();
    }
  }
  return tokens;
}

const newline = 0x0a;
const space = 0x20;
const slash = 0x2f;
const star = 0x2a;
const quote = 0x22;
const equals = 0x3d;
const greaterThan = 0x3e;
const dot = 0x2e;
const letterN = 0x6e;
const punctuation = new Set([..."{}[]()<>,:;.=?|&*-"].map((char) => char.charCodeAt(0)));

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isWordStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x24;
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || isDigit(code);
}

/** `[0-9_.]`: what follows a number's first digit (an `n` may end it). */
function isNumberPart(code: number): boolean {
  return isDigit(code) || code === 0x5f || code === dot;
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
