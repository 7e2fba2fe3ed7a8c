/**
 * Strict JSON (RFC 8259) with the position of every value and property name, for `.json` schema
 * files: a comment, a trailing comma, an unquoted word or a duplicate property is an error at the
 * place it is written, in words that say what to write instead. The value itself comes from
 * `JSON.parse` once the text is known to be valid, so it is exactly what JSON means.
 */

/** A parsed value and where it starts (a UTF-16 offset into the text). */
export type JsonNode =
  | { readonly kind: "object"; readonly start: number; readonly entries: readonly JsonEntry[] }
  | { readonly kind: "array"; readonly start: number; readonly items: readonly JsonNode[] }
  | { readonly kind: "scalar"; readonly start: number };

export interface JsonEntry {
  readonly key: string;
  readonly keyStart: number;
  readonly value: JsonNode;
}

export type JsonParseResult =
  | { readonly root: JsonNode; readonly value: unknown; readonly error?: undefined }
  | { readonly root?: undefined; readonly value?: undefined; readonly error: { readonly offset: number; readonly message: string } };

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$-]*/y;
const closerOf = { "{": "}", "[": "]" } as const;

/** What the messages say about the file as a whole, which depends on what it holds. */
export interface JsonFileWording {
  /** The message for an empty file. */
  readonly empty: string;
  /** What to do about text after the value. */
  readonly oneValue: string;
  /** What to do about a comment. */
  readonly comments: string;
}

export const schemaFileWording: JsonFileWording = {
  empty: "the file is empty; a schema file holds an object such as `{ \"entity\": \"User\", ... }`",
  oneValue: "a file holds one object (list several entities under `\"entities\"`)",
  comments: "remove it, or write this schema as a .yaml file, where `#` starts a comment",
};

export function parseJsonText(text: string, wording: JsonFileWording = schemaFileWording): JsonParseResult {
  // A byte order mark is not JSON, but editors write one; it is not worth an error.
  const start = text.startsWith("\uFEFF") ? 1 : 0;
  try {
    const parser = new Parser(text, start, wording);
    const root = parser.document();
    return { root, value: JSON.parse(text.slice(start)) };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { error: { offset: error.offset, message: error.message } };
    throw error;
  }
}

class Parser {
  private offset: number;
  /** Brackets closed so far (opener and closer offsets), to find the one a missing closer belongs to. */
  private readonly closed: { readonly open: number; readonly close: number }[] = [];
  /** Where the last value ended: a missing `,` belongs there. */
  private valueEnd = 0;

  constructor(
    private readonly text: string,
    start: number,
    private readonly wording: JsonFileWording,
  ) {
    this.offset = start;
  }

  document(): JsonNode {
    this.skipSpace();
    if (this.offset >= this.text.length) {
      throw new JsonSyntaxError(this.offset, this.wording.empty);
    }
    const root = this.value();
    this.skipSpace();
    if (this.offset < this.text.length) {
      const extra = this.text[this.offset];
      throw new JsonSyntaxError(
        this.offset,
        extra === "}" || extra === "]"
          ? `unmatched \`${extra}\`: nothing open here to close; remove it`
          : `text after the end of the JSON value; ${this.wording.oneValue}`,
      );
    }
    return root;
  }

  private value(): JsonNode {
    const node = this.valueAt();
    this.valueEnd = this.offset;
    return node;
  }

  private valueAt(): JsonNode {
    const start = this.offset;
    const char = this.text[start];
    if (char === "{") return this.object();
    if (char === "[") return this.array();
    if (char === '"') {
      this.string();
      return { kind: "scalar", start };
    }
    if (char === "'") throw new JsonSyntaxError(start, "strings take double quotes in JSON: write `\"...\"`");
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) {
      this.number();
      return { kind: "scalar", start };
    }
    const word = this.word();
    if (word === "true" || word === "false" || word === "null") {
      this.offset += word.length;
      return { kind: "scalar", start };
    }
    if (word !== undefined) {
      throw new JsonSyntaxError(start, `\`${word}\` is not a JSON value; write it in double quotes: \`"${word}"\``);
    }
    if (char === undefined) throw new JsonSyntaxError(start, "the file ends where a value should be");
    throw new JsonSyntaxError(start, `\`${char}\` cannot start a JSON value`);
  }

  private object(): JsonNode {
    const start = this.offset;
    this.offset += 1;
    const entries: JsonEntry[] = [];
    const seen = new Map<string, number>();
    for (;;) {
      this.skipSpace();
      const char = this.text[this.offset];
      if (char === "}") {
        this.close(start);
        return { kind: "object", start, entries };
      }
      if (entries.length > 0) this.separator(start, "{", "property");
      this.skipSpace();
      if (this.text[this.offset] === "}") this.trailingComma("}");
      const keyStart = this.offset;
      const key = this.propertyName();
      const first = seen.get(key);
      if (first !== undefined) {
        throw new JsonSyntaxError(keyStart, `property ${JSON.stringify(key)} is written twice; remove one of them`);
      }
      seen.set(key, keyStart);
      this.skipSpace();
      if (this.text[this.offset] !== ":") {
        throw new JsonSyntaxError(this.offset, `expected \`:\` after property name ${JSON.stringify(key)}`);
      }
      this.offset += 1;
      this.skipSpace();
      this.requireValue(start);
      entries.push({ key, keyStart, value: this.value() });
    }
  }

  private array(): JsonNode {
    const start = this.offset;
    this.offset += 1;
    const items: JsonNode[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] === "]") {
        this.close(start);
        return { kind: "array", start, items };
      }
      if (items.length > 0) this.separator(start, "[", "item");
      this.skipSpace();
      if (this.text[this.offset] === "]") this.trailingComma("]");
      this.requireValue(start);
      items.push(this.value());
    }
  }

  /** The `,` between two entries; a missing one, a mismatched closer or the end of the file is an error. */
  private separator(openedAt: number, opener: "{" | "[", what: string): void {
    const char = this.text[this.offset];
    if (char === ",") {
      this.offset += 1;
      return;
    }
    this.requireValue(openedAt);
    if (char === "}" || char === "]") {
      throw new JsonSyntaxError(this.offset, `\`${char}\` does not close the \`${opener}\` opened at ${this.where(openedAt)}; write \`${closerOf[opener]}\``);
    }
    if (char === ":" && opener === "[") {
      // A property name inside a list: the list was meant to end before it.
      throw new JsonSyntaxError(openedAt, "`[` is never closed; add `]` where it ends");
    }
    throw new JsonSyntaxError(this.valueEnd, `missing \`,\` here, before the next ${what}`);
  }

  private close(openedAt: number): void {
    this.closed.push({ open: openedAt, close: this.offset });
    this.offset += 1;
  }

  /**
   * At the end of the file a `{` or `[` is still open: it is reported where it opens, not where
   * the file ends. When its closer went missing in the middle of the file, the next closer was
   * taken as its, and an outer bracket is left open instead; a closer indented less than the line
   * that opened its bracket gives that away, so that bracket is the one reported.
   */
  private requireValue(openedAt: number): void {
    if (this.offset < this.text.length) return;
    const misplaced = this.closed
      .filter((pair) => startsLine(this.text, pair.close) && indentation(this.text, pair.close) < indentation(this.text, pair.open))
      .sort((a, b) => a.open - b.open)[0];
    const unclosed = misplaced?.open ?? openedAt;
    const bracket = this.text[unclosed] === "[" ? "[" : "{";
    throw new JsonSyntaxError(unclosed, `\`${bracket}\` is never closed; add \`${closerOf[bracket]}\` where it ends`);
  }

  private trailingComma(closer: "}" | "]"): never {
    const comma = this.text.lastIndexOf(",", this.offset);
    throw new JsonSyntaxError(comma, `trailing comma: JSON allows no \`,\` before \`${closer}\`; remove it`);
  }

  private propertyName(): string {
    const char = this.text[this.offset];
    if (char === '"') return this.string();
    const word = this.word();
    if (word !== undefined) {
      throw new JsonSyntaxError(this.offset, `property names take double quotes in JSON: write \`"${word}"\``);
    }
    if (char === "'") throw new JsonSyntaxError(this.offset, "property names take double quotes in JSON: write `\"...\"`");
    throw new JsonSyntaxError(this.offset, char === undefined ? "the file ends inside an object" : `expected a property name in double quotes, not \`${char}\``);
  }

  private string(): string {
    const start = this.offset;
    let index = start + 1;
    for (;;) {
      const char = this.text[index];
      if (char === undefined || char === "\n" || char === "\r") {
        throw new JsonSyntaxError(start, "this string is never closed; end it with `\"` on the same line");
      }
      if (char === '"') break;
      if (char < " ") {
        throw new JsonSyntaxError(index, "a control character (such as a tab) must be escaped inside a JSON string, e.g. `\\t`");
      }
      if (char === "\\") {
        const escape = this.text[index + 1] ?? "";
        if (escape === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(index + 2, index + 6))) {
            throw new JsonSyntaxError(index, "`\\u` takes four hex digits, e.g. `\\u00e9`");
          }
          index += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escape) || escape === "") {
          throw new JsonSyntaxError(index, `\`\\${escape}\` is not a JSON escape; write \`\\\\\` for a backslash`);
        }
        index += 2;
        continue;
      }
      index += 1;
    }
    this.offset = index + 1;
    return JSON.parse(this.text.slice(start, this.offset)) as string;
  }

  private number(): void {
    NUMBER.lastIndex = this.offset;
    const match = NUMBER.exec(this.text);
    const after = match === null ? this.offset : this.offset + match[0].length;
    if (match === null || /[\w.+-]/.test(this.text[after] ?? "")) {
      const end = this.text.slice(this.offset).search(/[\s,\]}]|$/);
      const written = this.text.slice(this.offset, this.offset + end);
      throw new JsonSyntaxError(this.offset, `\`${written}\` is not a JSON number; write it like \`5\`, \`-1.5\` or \`2e3\`, or in double quotes for text`);
    }
    this.offset = after;
  }

  /** The bare word at the offset (an unquoted name or value), if one starts here. */
  private word(): string | undefined {
    WORD.lastIndex = this.offset;
    return WORD.exec(this.text)?.[0];
  }

  private skipSpace(): void {
    for (;;) {
      const char = this.text[this.offset];
      if (char === " " || char === "\t" || char === "\n" || char === "\r") {
        this.offset += 1;
      } else if (char === "#" || (char === "/" && (this.text[this.offset + 1] === "/" || this.text[this.offset + 1] === "*"))) {
        throw new JsonSyntaxError(
          this.offset,
          `JSON has no comments; ${this.wording.comments}`,
        );
      } else {
        return;
      }
    }
  }

  private where(offset: number): string {
    const before = this.text.slice(0, offset);
    const line = before.split("\n").length;
    return `${line}:${offset - before.lastIndexOf("\n")}`;
  }
}

/** Whether only spaces precede `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(text.lastIndexOf("\n", offset - 1) + 1, offset));
}

/** The indentation of the line `offset` is on. */
function indentation(text: string, offset: number): number {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0].length ?? 0;
}
