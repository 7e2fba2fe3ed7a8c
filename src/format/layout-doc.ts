/**
 * The document model and line-fitting printer of prettier (its `doc` builders and
 * `printDocToString`), reduced to what `layout-print.ts` builds: text, concatenation, groups,
 * indentation, soft and hard line breaks, break-only text and end-of-line comments. The algorithm is
 * prettier's, so a document built as prettier builds it for the same syntax prints the same bytes:
 * a group is printed flat when its flat text and the text after it up to the next possible line
 * break fit in the line; a group holding a forced break (a hard line, a group that must break)
 * always breaks.
 */

export type Doc = string | Doc[] | Group | Indent | Line | IfBreak | LineSuffix | Verbatim | BreakParent;

export interface Group {
  readonly kind: "group";
  readonly contents: Doc;
  /**
   * A conditional group (prettier's `conditionalGroup`): `contents` is the first state; when it
   * does not fit flat, the first later state whose text up to its first line break fits, else the
   * last state broken. A break inside does not break it.
   */
  readonly states?: readonly Doc[];
  /** Must break: set by the printer for syntax prettier always breaks, or propagated from inside. */
  break: boolean;
}

interface Indent {
  readonly kind: "indent";
  readonly contents: Doc;
}

interface Line {
  readonly kind: "line";
  /** A soft line is nothing when flat; a plain line is a space; a hard line always breaks. */
  readonly soft: boolean;
  readonly hard: boolean;
}

interface IfBreak {
  readonly kind: "if-break";
  readonly broken: Doc;
  readonly flat: Doc;
}

/** Text printed at the end of the line (a trailing `// comment`), not counted when fitting. */
interface LineSuffix {
  readonly kind: "line-suffix";
  readonly contents: string;
}

/** Breaks the enclosing group (prettier's `breakParent`). */
interface BreakParent {
  readonly kind: "break-parent";
}

/** A comment on a line of its own: printed as it is, and never made to fit. */
interface Verbatim {
  readonly kind: "verbatim";
  readonly text: string;
}

export const verbatim = (text: string): Verbatim => ({ kind: "verbatim", text });
export const breakParent: BreakParent = { kind: "break-parent" };
export const conditionalGroup = (states: readonly Doc[]): Group => ({
  kind: "group",
  contents: states[0] ?? "",
  states,
  break: false,
});

/** `doc` printed flat, or undefined when it holds a forced break or a comment. */
export function flatText(doc: Doc): string | undefined {
  if (typeof doc === "string") return doc;
  if (Array.isArray(doc)) {
    let text = "";
    for (const part of doc) {
      const printed = flatText(part);
      if (printed === undefined) return undefined;
      text += printed;
    }
    return text;
  }
  switch (doc.kind) {
    case "group":
      return doc.break ? undefined : flatText(doc.contents);
    case "indent":
      return flatText(doc.contents);
    case "line":
      return doc.hard ? undefined : doc.soft ? "" : " ";
    case "if-break":
      return flatText(doc.flat);
    default:
      return undefined;
  }
}

/** Whether `doc` holds a forced break, before `propagateBreaks` (prettier's `willBreak`). */
export function willBreak(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) return doc.some(willBreak);
  switch (doc.kind) {
    case "group":
      return doc.break || willBreak(doc.contents);
    case "indent":
      return willBreak(doc.contents);
    case "line":
      return doc.hard;
    case "if-break":
      return willBreak(doc.broken) || willBreak(doc.flat);
    case "break-parent":
      return true;
    default:
      return false;
  }
}
export const group = (contents: Doc, mustBreak = false): Group => ({ kind: "group", contents, break: mustBreak });
export const indent = (contents: Doc): Indent => ({ kind: "indent", contents });
export const line: Line = { kind: "line", soft: false, hard: false };
export const softline: Line = { kind: "line", soft: true, hard: false };
export const hardline: Line = { kind: "line", soft: false, hard: true };
export const ifBreak = (broken: Doc, flat: Doc = ""): IfBreak => ({ kind: "if-break", broken, flat });
export const lineSuffix = (contents: string): LineSuffix => ({ kind: "line-suffix", contents });

/** Marks every group that holds a hard line or a group that must break as one that must break. */
export function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) {
    let breaks = false;
    for (const part of doc) breaks = propagateBreaks(part) || breaks;
    return breaks;
  }
  switch (doc.kind) {
    case "group":
      if (doc.states !== undefined) {
        for (const state of doc.states) propagateBreaks(state);
        return doc.break;
      }
      if (propagateBreaks(doc.contents)) doc.break = true;
      return doc.break;
    case "break-parent":
      return true;
    case "indent":
      return propagateBreaks(doc.contents);
    case "line":
      return doc.hard;
    case "if-break":
      return propagateBreaks(doc.broken);
    case "line-suffix":
    case "verbatim":
      return false;
  }
}

type Mode = "flat" | "break";

/**
 * The printer's stack of what is left to print, as parallel arrays (the printer handles a few
 * million documents for a large project: one object per entry would cost more than the printing).
 */
class Commands {
  readonly indentations: number[] = [];
  readonly modes: Mode[] = [];
  readonly docs: Doc[] = [];

  push(indentation: number, mode: Mode, doc: Doc): void {
    this.indentations.push(indentation);
    this.modes.push(mode);
    this.docs.push(doc);
  }

  get size(): number {
    return this.docs.length;
  }
}

/**
 * Whether `doc` printed in `mode`, followed by the `rest` stack up to its first possible line
 * break, fits in `width` columns (prettier's `fits`: groups of `rest` not yet decided count as
 * broken).
 */
function fits(doc: Doc, mode: Mode, rest: Commands, width: number): boolean {
  let remaining = width;
  let restIndex = rest.size;
  const modes: Mode[] = [mode];
  const docs: Doc[] = [doc];
  while (remaining >= 0) {
    let current: Doc;
    let currentMode: Mode;
    if (docs.length > 0) {
      current = docs.pop() as Doc;
      currentMode = modes.pop() as Mode;
    } else {
      if (restIndex === 0) return true;
      restIndex -= 1;
      current = rest.docs[restIndex] as Doc;
      currentMode = rest.modes[restIndex] as Mode;
    }
    if (typeof current === "string") {
      remaining -= current.length;
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        docs.push(current[index] as Doc);
        modes.push(currentMode);
      }
    } else {
      switch (current.kind) {
        case "group": {
          const groupMode = current.break ? "break" : currentMode;
          const contents =
            current.states !== undefined && groupMode === "break" ? (current.states.at(-1) as Doc) : current.contents;
          docs.push(contents);
          modes.push(groupMode);
          break;
        }
        case "indent":
          docs.push(current.contents);
          modes.push(currentMode);
          break;
        case "if-break":
          docs.push(currentMode === "break" ? current.broken : current.flat);
          modes.push(currentMode);
          break;
        case "line":
          if (currentMode === "break" || current.hard) return true;
          if (!current.soft) remaining -= 1;
          break;
        case "verbatim":
          remaining -= current.text.length;
          break;
        default:
          break;
      }
    }
  }
  return false;
}

/**
 * Prints `doc` (after `propagateBreaks`) in lines of at most `width` columns where it can; `fits`
 * tells whether every line did (end-of-line comments not counted).
 */
export function printDoc(doc: Doc, width: number): { text: string; fits: boolean } {
  let out = "";
  let column = 0;
  let suffixes: string[] = [];
  let widest = 0;
  let columnBeforeSuffixes: number | undefined;
  let verbatimLine = false;
  const commands = new Commands();
  commands.push(0, "break", doc);
  while (commands.size > 0) {
    const indentation = commands.indentations.pop() as number;
    const mode = commands.modes.pop() as Mode;
    const current = commands.docs.pop() as Doc;
    if (typeof current === "string") {
      out += current;
      column += current.length;
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        commands.push(indentation, mode, current[index] as Doc);
      }
    } else {
      switch (current.kind) {
        case "group": {
          const [groupMode, contents] = groupChoice(current, mode, commands, width - column);
          commands.push(indentation, groupMode, contents);
          break;
        }
        case "indent":
          commands.push(indentation + 2, mode, current.contents);
          break;
        case "if-break":
          commands.push(indentation, mode, mode === "break" ? current.broken : current.flat);
          break;
        case "line-suffix":
          suffixes.push(current.contents);
          break;
        case "verbatim":
          out += current.text;
          column += current.text.length;
          verbatimLine = true;
          break;
        case "break-parent":
          break;
        case "line":
          if (mode === "flat" && !current.hard) {
            if (!current.soft) {
              out += " ";
              column += 1;
            }
            break;
          }
          if (suffixes.length > 0) {
            // The end-of-line comments come first; the line break is printed after them.
            columnBeforeSuffixes = column;
            commands.push(indentation, mode, current);
            for (const text of suffixes.reverse()) commands.push(indentation, mode, text);
            suffixes = [];
            break;
          }
          if (!verbatimLine) widest = Math.max(widest, columnBeforeSuffixes ?? column);
          columnBeforeSuffixes = undefined;
          verbatimLine = false;
          out = withoutTrailingSpaces(out);
          out += `\n${" ".repeat(indentation)}`;
          column = indentation;
          break;
      }
    }
  }
  if (!verbatimLine) widest = Math.max(widest, column);
  out += suffixes.join("");
  return { text: out, fits: widest <= width };
}

/** How to print a group met in `mode`, with `remaining` columns left on the line: its mode and contents. */
function groupChoice(group: Group, mode: Mode, rest: Commands, remaining: number): [Mode, Doc] {
  if (mode === "flat" && !group.break) return ["flat", group.contents];
  if (!group.break && fits(group.contents, "flat", rest, remaining)) return ["flat", group.contents];
  const { states } = group;
  if (states === undefined) return ["break", group.contents];
  const mostExpanded = states.at(-1) as Doc;
  if (group.break) return ["break", mostExpanded];
  for (const state of states.slice(1)) {
    if (fits(state, "flat", rest, remaining)) return ["flat", state];
  }
  return ["break", mostExpanded];
}

function withoutTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === " " || text[end - 1] === "\t")) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}
