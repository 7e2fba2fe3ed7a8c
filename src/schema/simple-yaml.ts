/*
 * A reader for the plain YAML most schema files are written in: block mappings and sequences,
 * one-line flow collections, plain scalars and quoted strings without escapes, comments. It gives
 * the value `yaml`'s `parseDocument(text).toJS()` gives (YAML 1.2, core schema), without
 * positions, several times faster and without loading `yaml`. Anything else it does not read
 * (`undefined`): anchors, tags, block scalars, multi-line scalars or flow collections, escapes,
 * numbers other than plain integers, duplicate or unusual keys, tabs, several documents, and every
 * syntax error; `yaml` then reads the file and words its errors. A test holds the two readers to
 * the same values over the schema files of the repository and random edits of them.
 */

/** The value of `text`, or undefined when it is not written in the plain YAML read here. */
export function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    const content = raw.trimStart();
    if (content === "" || content.startsWith("#")) continue;
    lines.push({ indent: raw.length - content.length, content });
  }
  const reader = new BlockReader(lines);
  try {
    const first = lines[0];
    if (first === undefined || first.indent !== 0 || isSequenceItem(first.content)) return undefined;
    const value = reader.mapping(0);
    return reader.done() ? value : undefined;
  } catch (error) {
    if (error === notSimple) return undefined;
    throw error;
  }
}

interface Line {
  indent: number;
  content: string;
}

/** Thrown inside the reader for anything it does not read. */
const notSimple = Symbol("not simple YAML");

function fail(): never {
  throw notSimple;
}

const KEY = /^([A-Za-z_$][A-Za-z0-9_$-]*):(?: +|$)/;
/** Keys `toJS` would treat apart (`__proto__`) or that the core schema reads as other than strings. */
const SPECIAL_KEY = /^(?:__proto__|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

function isSequenceItem(content: string): boolean {
  return content === "-" || content.startsWith("- ");
}

class BlockReader {
  private index = 0;

  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.index === this.lines.length;
  }

  /** A block mapping whose keys are at column `indent`, from the current line on. */
  mapping(indent: number): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    for (let line = this.lines[this.index]; line !== undefined && line.indent >= indent; line = this.lines[this.index]) {
      if (line.indent !== indent || isSequenceItem(line.content)) fail();
      const match = KEY.exec(line.content) ?? fail();
      const key = match[1] as string;
      if (SPECIAL_KEY.test(key) || Object.hasOwn(value, key)) fail();
      const rest = withoutComment(line.content.slice(match[0].length));
      this.index += 1;
      value[key] = rest === "" ? this.nested(indent, true) : this.inline(rest, indent);
    }
    return value;
  }

  /** A block sequence whose `-` are at column `indent`, from the current line on. */
  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.lines[this.index]; line !== undefined && line.indent >= indent; line = this.lines[this.index]) {
      if (line.indent !== indent || !isSequenceItem(line.content)) break;
      const afterDash = line.content.slice(1);
      const rest = withoutComment(afterDash.trimStart());
      if (rest === "") {
        this.index += 1;
        items.push(this.nested(indent, false));
      } else if (KEY.test(rest)) {
        // `- key: value`: a mapping whose keys are at the column of `key`.
        const column = indent + 1 + (afterDash.length - afterDash.trimStart().length);
        this.lines[this.index] = { indent: column, content: rest };
        items.push(this.mapping(column));
      } else {
        this.index += 1;
        items.push(this.inline(rest, indent));
      }
    }
    return items;
  }

  /**
   * The value under a key or `-` with nothing after it on its line: a deeper block, a sequence at the
   * key's own column (after a key only), or null.
   */
  private nested(indent: number, afterKey: boolean): unknown {
    const next = this.lines[this.index];
    if (next === undefined || next.indent < indent) return null;
    if (next.indent === indent) {
      return afterKey && isSequenceItem(next.content) ? this.sequence(indent) : null;
    }
    return isSequenceItem(next.content) ? this.sequence(next.indent) : this.mapping(next.indent);
  }

  /** A value written on the line of its key or `-`; nothing may continue it on deeper lines. */
  private inline(text: string, indent: number): unknown {
    const reader = new FlowReader(text);
    const value = reader.value(false);
    if (!reader.atEnd()) fail();
    const next = this.lines[this.index];
    if (next !== undefined && next.indent > indent) fail();
    return value;
  }
}

/** `text` without a trailing ` # comment` and trailing spaces; quotes and `#` inside words are left to the readers. */
function withoutComment(text: string): string {
  if (/^["']/.test(text) || text.startsWith("{") || text.startsWith("[")) return text.trimEnd();
  const comment = text.search(/(?:^| )#/);
  return (comment === -1 ? text : text.slice(0, comment)).trimEnd();
}

/**
 * Plain scalars read here: words of these characters and spaces, not starting with an indicator
 * (`- ` starts a sequence, `%` a directive). In a flow collection, `,`, `]` and `}` end them.
 */
const PLAIN_FLOW = /^(?:[A-Za-z0-9_./$(+]|-(?=[A-Za-z0-9]))[A-Za-z0-9_./$%()+ -]*/;
/** Outside flow collections `,[]{}` and `:` are word characters too (`string[]`), but `: ` ends a key. */
const PLAIN_BLOCK = /^(?:[A-Za-z0-9_./$(+]|-(?=[A-Za-z0-9]))[A-Za-z0-9_./$%()+ ,[\]{}:-]*/;

class FlowReader {
  private position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.skipSpaces();
    if (this.text.startsWith("#", this.position) && (this.position === 0 || this.text[this.position - 1] === " ")) {
      this.position = this.text.length;
    }
    return this.position === this.text.length;
  }

  value(inFlow: boolean): unknown {
    this.skipSpaces();
    const char = this.text[this.position];
    if (char === "{") return this.flowMapping();
    if (char === "[") return this.flowSequence();
    if (char === '"' || char === "'") return this.quoted(char);
    return this.plain(inFlow);
  }

  private flowMapping(): Record<string, unknown> {
    this.position += 1;
    const value: Record<string, unknown> = {};
    this.skipSpaces();
    if (this.take("}")) return value;
    for (;;) {
      this.skipSpaces();
      const match = KEY.exec(this.text.slice(this.position)) ?? fail();
      const key = match[1] as string;
      if (SPECIAL_KEY.test(key) || Object.hasOwn(value, key) || !match[0].endsWith(" ")) fail();
      this.position += match[0].length;
      value[key] = this.value(true);
      this.skipSpaces();
      if (this.take("}")) return value;
      if (!this.take(",")) fail();
    }
  }

  private flowSequence(): unknown[] {
    this.position += 1;
    const items: unknown[] = [];
    this.skipSpaces();
    if (this.take("]")) return items;
    for (;;) {
      const item = this.value(true);
      items.push(item);
      this.skipSpaces();
      if (this.take("]")) return items;
      if (!this.take(",")) fail();
    }
  }

  private quoted(quote: string): string {
    const end = this.text.indexOf(quote, this.position + 1);
    if (end === -1) fail();
    const content = this.text.slice(this.position + 1, end);
    // Escapes, and `''` in single quotes, are left to yaml.
    if (/[\\\x00-\x1f\x7f]/.test(content) || this.text[end + 1] === quote) fail();
    this.position = end + 1;
    const after = this.text[this.position];
    if (after !== undefined && after !== " " && after !== "," && after !== "}" && after !== "]") fail();
    return content;
  }

  private plain(inFlow: boolean): unknown {
    const match = (inFlow ? PLAIN_FLOW : PLAIN_BLOCK).exec(this.text.slice(this.position)) ?? fail();
    const word = match[0].trimEnd();
    if ((inFlow && word.includes("  ")) || word.includes(": ") || word.endsWith(":")) fail();
    this.position += word.length;
    return scalarValue(word);
  }

  private skipSpaces(): void {
    while (this.text[this.position] === " ") this.position += 1;
  }

  private take(char: string): boolean {
    if (this.text[this.position] !== char) return false;
    this.position += 1;
    return true;
  }
}

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const SAFE_INT = /^-?(?:0|[1-9][0-9]{0,14})$/;
/** The core schema's other number forms (yaml's own tests): left to yaml. */
const OTHER_NUMBER = [
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];

/** A plain scalar as the core schema resolves it. */
function scalarValue(word: string): unknown {
  if (NULL.test(word)) return null;
  if (BOOL.test(word)) return word[0] === "t" || word[0] === "T";
  if (SAFE_INT.test(word) && word !== "-0") return Number(word);
  if (OTHER_NUMBER.some((pattern) => pattern.test(word))) fail();
  return word;
}
