/**
 * Indentation mistakes that the `yaml` library reports away from the line that holds them. A key
 * indented deeper than the key above it, which has its value on its own line:
 *
 *     name: string
 *      email: string
 *
 * reads as a plain value continued on the next line (`string email`) that then meets `:`, so yaml
 * reports a key written over two lines, where that key starts: at `string`, on the line before.
 * And a key indented less than its siblings is reported at the start of its line, not at the key.
 */

/** What `yaml` says about a syntax error (a `YAMLError`'s fields that matter here). */
export interface YamlSyntaxError {
  readonly code: string;
  readonly pos: readonly [number, number];
}

export interface IndentationMistake {
  readonly offset: number;
  /** Undefined to keep yaml's message (only the place was wrong). */
  readonly message?: string;
}

/** `  - name: ` -> the key's column (0-based) and text. */
const KEY_LINE = /^([ \t]*(?:-[ \t]+)*)([^\s#:][^#:]*?)[ \t]*:(?:[ \t]|$)/;

/** Where `error` belongs, when yaml placed it away from the mistake; undefined when it is in place. */
export function findIndentationMistake(
  text: string,
  error: YamlSyntaxError,
  errors: readonly YamlSyntaxError[],
): IndentationMistake | undefined {
  const start = error.pos[0];
  if (error.code === "BAD_INDENT") {
    const keyStart = start + (/^[ \t]*/.exec(text.slice(start))?.[0].length ?? 0);
    return keyStart === start ? undefined : { offset: keyStart };
  }
  if (error.code !== "BLOCK_AS_IMPLICIT_KEY" && error.code !== "MULTILINE_IMPLICIT_KEY") return undefined;
  if (!errors.some((other) => other.code === "MULTILINE_IMPLICIT_KEY" && other.pos[0] === start)) return undefined;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const nextLineStart = text.indexOf("\n", start) + 1;
  if (nextLineStart === 0) return undefined;
  const above = KEY_LINE.exec(lineOf(text, lineStart));
  const deeper = KEY_LINE.exec(lineOf(text, nextLineStart));
  if (above === null || deeper === null || deeper[1]!.length <= above[1]!.length) return undefined;
  const aboveLine = text.slice(0, lineStart).split("\n").length;
  return {
    offset: nextLineStart + deeper[1]!.length,
    message: `\`${deeper[2]}\` is indented deeper than \`${above[2]}\` on line ${aboveLine}, so YAML reads it as more of \`${above[2]}\`'s value; start it in the column of \`${above[2]}\` (column ${above[1]!.length + 1})`,
  };
}

function lineOf(text: string, lineStart: number): string {
  const end = text.indexOf("\n", lineStart);
  return text.slice(lineStart, end === -1 ? undefined : end).replace(/\r$/, "");
}
