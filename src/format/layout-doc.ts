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

interface Command {
  readonly indentation: number;
  readonly mode: Mode;
  readonly doc: Doc;
}

/**
 * Whether `next` printed flat, followed by `rest` up to its first possible line break, fits in
 * `width` columns (prettier's `fits`: groups of `rest` not yet decided count as broken).
 */
function fits(next: Command, rest: readonly Command[], width: number): boolean {
  let remaining = width;
  let restIndex = rest.length;
  const commands: Command[] = [next];
  while (remaining >= 0) {
    const command = commands.pop() ?? (restIndex > 0 ? rest[--restIndex] : undefined);
    if (command === undefined) return true;
    const { mode, doc } = command;
    if (typeof doc === "string") {
      remaining -= doc.length;
    } else if (Array.isArray(doc)) {
      for (let index = doc.length - 1; index >= 0; index -= 1) commands.push({ ...command, doc: doc[index] as Doc });
    } else {
      switch (doc.kind) {
        case "group": {
          const groupMode = doc.break ? "break" : mode;
          const contents =
            doc.states !== undefined && groupMode === "break" ? (doc.states.at(-1) as Doc) : doc.contents;
          commands.push({ ...command, mode: groupMode, doc: contents });
          break;
        }
        case "indent":
          commands.push({ ...command, doc: doc.contents });
          break;
        case "if-break":
          commands.push({ ...command, doc: mode === "break" ? doc.broken : doc.flat });
          break;
        case "line":
          if (mode === "break" || doc.hard) return true;
          if (!doc.soft) remaining -= 1;
          break;
        case "verbatim":
          remaining -= doc.text.length;
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
  const out: string[] = [];
  let column = 0;
  let suffixes: string[] = [];
  let widest = 0;
  let columnBeforeSuffixes: number | undefined;
  let verbatimLine = false;
  const commands: Command[] = [{ indentation: 0, mode: "break", doc }];
  for (let command = commands.pop(); command !== undefined; command = commands.pop()) {
    const { indentation, mode, doc: current } = command;
    if (typeof current === "string") {
      out.push(current);
      column += current.length;
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        commands.push({ ...command, doc: current[index] as Doc });
      }
    } else {
      switch (current.kind) {
        case "group":
          commands.push(groupCommand(current, command, commands, width - column));
          break;
        case "indent":
          commands.push({ indentation: indentation + 2, mode, doc: current.contents });
          break;
        case "if-break":
          commands.push({ ...command, doc: mode === "break" ? current.broken : current.flat });
          break;
        case "line-suffix":
          suffixes.push(current.contents);
          break;
        case "verbatim":
          out.push(current.text);
          column += current.text.length;
          verbatimLine = true;
          break;
        case "break-parent":
          break;
        case "line":
          if (mode === "flat" && !current.hard) {
            if (!current.soft) {
              out.push(" ");
              column += 1;
            }
            break;
          }
          if (suffixes.length > 0) {
            // The end-of-line comments come first; the line break is printed after them.
            columnBeforeSuffixes = column;
            commands.push(command, ...suffixes.reverse().map((text) => ({ indentation, mode, doc: text })));
            suffixes = [];
            break;
          }
          if (!verbatimLine) widest = Math.max(widest, columnBeforeSuffixes ?? column);
          columnBeforeSuffixes = undefined;
          verbatimLine = false;
          trimTrailingSpaces(out);
          out.push(`\n${" ".repeat(indentation)}`);
          column = indentation;
          break;
      }
    }
  }
  if (!verbatimLine) widest = Math.max(widest, column);
  out.push(...suffixes);
  return { text: out.join(""), fits: widest <= width };
}

/** How to print a group met in `command`'s mode, with `remaining` columns left on the line. */
function groupCommand(group: Group, command: Command, rest: readonly Command[], remaining: number): Command {
  const { indentation, mode } = command;
  const flat: Command = { indentation, mode: "flat", doc: group.contents };
  if (mode === "flat" && !group.break) return flat;
  if (!group.break && fits(flat, rest, remaining)) return flat;
  const { states } = group;
  if (states === undefined) return { indentation, mode: "break", doc: group.contents };
  const mostExpanded: Command = { indentation, mode: "break", doc: states.at(-1) as Doc };
  if (group.break) return mostExpanded;
  for (const state of states.slice(1)) {
    const candidate: Command = { indentation, mode: "flat", doc: state };
    if (fits(candidate, rest, remaining)) return candidate;
  }
  return mostExpanded;
}

function trimTrailingSpaces(out: string[]): void {
  while (out.length > 0) {
    const last = out[out.length - 1] as string;
    const trimmed = last.replace(/[ \t]+$/, "");
    out[out.length - 1] = trimmed;
    if (trimmed !== "") return;
    out.pop();
  }
}
