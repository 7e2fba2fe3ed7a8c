/**
 * Two YAML mistakes that the parser reports as a cascade of errors, none of them where the mistake
 * is: a type such as `string[]` written unquoted inside `{ }` or `[ ]` (in flow style `[` starts a
 * list, so `fields: { langs: string[] }` gives nine errors), and a `[` or `{` that is never closed
 * (reported on a later line, where the parser gave up). Only consulted for a file that did not
 * parse; each finding replaces the parser's errors with one error at the place of the mistake.
 */

export interface FlowMistake {
  readonly offset: number;
  readonly message: string;
}

interface OpenBracket {
  readonly char: "[" | "{";
  readonly offset: number;
  /** Indentation of the line it opened on: flow content continues only on lines indented deeper. */
  readonly lineIndent: number;
}

const closerOf = { "[": "]", "{": "}" } as const;

export function findFlowMistake(text: string): FlowMistake | undefined {
  return new FlowScanner(text).scan();
}

class FlowScanner {
  private readonly open: OpenBracket[] = [];
  private offset = 0;
  private lineIndent = 0;
  /** Set after `key: |` or `key: >`: lines indented deeper than this are the scalar's text. */
  private blockScalarIndent: number | undefined;

  constructor(private readonly text: string) {}

  scan(): FlowMistake | undefined {
    while (this.offset < this.text.length) {
      const lineEnd = this.lineEnd(this.offset);
      const mistake = this.line(lineEnd);
      if (mistake !== undefined) return mistake;
      this.offset = Math.max(this.offset, lineEnd + 1);
    }
    const innermost = this.open.at(-1);
    return innermost === undefined ? undefined : unclosed(innermost);
  }

  /** One line from its start; flow content may carry the scan past `lineEnd` (a quoted scalar). */
  private line(lineEnd: number): FlowMistake | undefined {
    const indent = /^[ \t]*/.exec(this.text.slice(this.offset, lineEnd))?.[0].length ?? 0;
    const contentStart = this.offset + indent;
    const blank = contentStart >= lineEnd || this.text[contentStart] === "#" || this.text[contentStart] === "\r";
    if (this.blockScalarIndent !== undefined) {
      if (blank || indent > this.blockScalarIndent) return undefined;
      this.blockScalarIndent = undefined;
    }
    if (blank) return undefined;
    this.lineIndent = indent;
    this.offset = contentStart;
    const outermost = this.open[0];
    if (outermost !== undefined) {
      // A line as shallow as the one that opened the flow collection is block content again:
      // the collection was never closed.
      const first = this.text[contentStart];
      if (indent <= outermost.lineIndent && first !== "]" && first !== "}") return unclosed(this.open.at(-1) ?? outermost);
      return this.flow(lineEnd);
    }
    return this.blockLine(lineEnd);
  }

  /** A line in block context: `- ` items, then a key and its value, or a value alone. */
  private blockLine(lineEnd: number): FlowMistake | undefined {
    while (this.text[this.offset] === "-" && /[ \t\r\n]|^$/.test(this.text[this.offset + 1] ?? "")) {
      this.offset = this.skipSpaces(this.offset + 1);
    }
    const node = this.nodeStart(lineEnd);
    if (node !== "key") return node === "flow" ? this.flow(lineEnd) : undefined;
    // A key: its value follows the `:`.
    this.offset = this.skipSpaces(this.offset);
    const value = this.nodeStart(lineEnd);
    return value === "flow" ? this.flow(lineEnd) : undefined;
  }

  /**
   * What starts at the offset in block context: a flow collection (entered), a key (the offset is
   * left after its `:`), or anything else that ends the line's interest (a scalar, a comment).
   */
  private nodeStart(lineEnd: number): "flow" | "key" | "other" {
    const char = this.text[this.offset];
    if (char === "[" || char === "{") return "flow";
    if (char === "|" || char === ">") {
      this.blockScalarIndent = this.lineIndent;
      return "other";
    }
    if (char === "#" || this.offset >= lineEnd) return "other";
    const scalarEnd = char === '"' || char === "'" ? this.quotedEnd(this.offset) : this.offset;
    const colon = this.mappingColon(scalarEnd, lineEnd);
    if (colon === undefined) return "other";
    this.offset = colon + 1;
    return "key";
  }

  /** The `:` that ends a block mapping key (followed by a space or the line end), before any comment. */
  private mappingColon(from: number, lineEnd: number): number | undefined {
    for (let index = from; index < lineEnd; index += 1) {
      const char = this.text[index];
      if (char === "#" && /[ \t]/.test(this.text[index - 1] ?? "")) return undefined;
      if (char === ":" && /[ \t\r]/.test(this.text[index + 1] ?? " ")) return index;
    }
    return undefined;
  }

  /** Flow content from the offset; returns at the end of the line, or once every bracket is closed. */
  private flow(lineEnd: number): FlowMistake | undefined {
    while (this.offset < lineEnd) {
      const char = this.text[this.offset] ?? "";
      if (char === "[" || char === "{") {
        this.open.push({ char, offset: this.offset, lineIndent: this.lineIndent });
        this.offset += 1;
      } else if (char === "]" || char === "}") {
        const top = this.open.at(-1);
        if (top === undefined) return undefined;
        if (closerOf[top.char] !== char) return unclosed(top);
        this.open.pop();
        this.offset += 1;
        if (this.open.length === 0) return undefined;
      } else if (char === "#" && /[ \t]/.test(this.text[this.offset - 1] ?? "")) {
        return undefined;
      } else if (char === '"' || char === "'") {
        this.offset = this.quotedEnd(this.offset);
        if (this.offset > lineEnd) lineEnd = this.lineEnd(this.offset);
      } else if (/[ \t\r,:?]/.test(char)) {
        this.offset += 1;
      } else {
        const start = this.offset;
        this.offset = this.plainEnd(start, lineEnd);
        if (this.text[this.offset] === "[") return unquotedList(this.text, start, this.offset);
      }
    }
    return undefined;
  }

  /** The end of a plain scalar in flow context: a flow indicator, `: `, ` #` or the line end. */
  private plainEnd(start: number, lineEnd: number): number {
    let index = start;
    while (index < lineEnd) {
      const char = this.text[index] ?? "";
      if (/[,[\]{}\r]/.test(char)) return index;
      if (char === ":" && /[ \t,[\]{}\r]|^$/.test(this.text[index + 1] ?? "")) return index;
      if (/[ \t]/.test(char) && this.text[index + 1] === "#") return index;
      index += 1;
    }
    return index;
  }

  /** The offset after a quoted scalar starting at `start` (which may continue on later lines). */
  private quotedEnd(start: number): number {
    const quote = this.text[start];
    let index = start + 1;
    while (index < this.text.length) {
      const char = this.text[index];
      if (quote === '"' && char === "\\") index += 2;
      else if (char === quote && quote === "'" && this.text[index + 1] === "'") index += 2;
      else if (char === quote) return index + 1;
      else index += 1;
    }
    return index;
  }

  private skipSpaces(from: number): number {
    let index = from;
    while (this.text[index] === " " || this.text[index] === "\t") index += 1;
    return index;
  }

  private lineEnd(from: number): number {
    const end = this.text.indexOf("\n", from);
    return end === -1 ? this.text.length : end;
  }
}

function unclosed(bracket: OpenBracket): FlowMistake {
  const closer = closerOf[bracket.char];
  return {
    offset: bracket.offset,
    message: `this \`${bracket.char}\` is never closed; add \`${closer}\` where it ends, or write the value in block style without brackets`,
  };
}

function unquotedList(text: string, start: number, bracket: number): FlowMistake {
  const written = text.slice(start, text[bracket + 1] === "]" ? bracket + 2 : bracket + 1);
  return {
    offset: start,
    message: `\`${written}\` inside \`{ }\` or \`[ ]\` needs quotes, because there \`[\` starts a list: write \`"${written}"\`, or use block style (one entry per line)`,
  };
}
