/**
 * Formatting TypeScript files in units smaller than a file, so that text many files share is given
 * to prettier once per run.
 *
 * Prettier prints a program as its top-level statements, one after another, each printed on its
 * own (at column 0, from its own tokens and comments), separated by a line break, plus one blank
 * line where the source had at least one. So for a source made of statement groups separated by
 * blank lines, `format(a + "\n\n" + b)` is `format(a) + "\n" + format(b)`: a group's formatting
 * depends on nothing outside it. The generated files repeat whole statements across entities
 * (the test files' setup and most of their cases), and prettier costs about the same per byte
 * whatever it has seen before, so a run formats each distinct group once and joins the results.
 * `test/generator/format.test.ts` checks the identity for every file of the golden fixtures, the
 * committed `generated/` folders and a synthetic project.
 *
 * A file is cut only where its text has a blank line followed by a line that starts at column 0
 * with an identifier, a decorator or a comment, and the text before the cut ends with `;` or `}`
 * or is nothing but line comments (the header): there, the next line cannot continue the previous
 * statement (it starts neither with an operator nor a bracket, and `as`/`satisfies` never continue
 * an expression across a line break), nor can the cut fall inside a block, a string, a template
 * or a comment without leaving one side unparsable. A unit prettier refuses is therefore reported
 * by formatting the whole file.
 */

/** Blank line(s), then a line at column 0 that starts a statement or a comment. */
const cut = /\n[ \t]*\n(?:[ \t]*\n)*(?=[A-Za-z_$@]|\/[/*])/g;

/** Only line comments (a file's header): they lead the next statement, a blank line after them kept. */
const lineComments = /^(?:[ \t]*\/\/.*(?:\n|$))+$/;

/** The statement groups of `text`: blank-line separated, each without its surrounding blank lines. */
export function statementGroups(text: string): string[] {
  const groups: string[] = [];
  let start = 0;
  for (const match of text.matchAll(cut)) {
    const group = text.slice(start, match.index).trimEnd();
    if (!/[;}]$/.test(group) && !lineComments.test(group)) continue;
    groups.push(group);
    start = match.index + match[0].length;
  }
  const last = text.slice(start).trimEnd();
  if (last !== "" || groups.length === 0) groups.push(last);
  return groups;
}

/** A file as units to format: their texts (indexes into the run's distinct units). */
export interface UnitPlan {
  /** The distinct texts to give prettier, each once. */
  readonly units: string[];
  /** For each file, the indexes in `units` of its parts, in order. */
  readonly files: number[][];
}

/**
 * Cuts every text into statement groups and plans the units to format: a group found more than
 * once in the run, or one `standalone` accepts (one formatted without prettier), is a unit of its
 * own (formatted once, wherever it appears); consecutive groups found once are one unit, so a file
 * costs no more prettier calls than it needs.
 */
export function planUnits(texts: readonly string[], standalone: (group: string) => boolean = () => false): UnitPlan {
  const grouped = texts.map(statementGroups);
  const seen = new Map<string, number>();
  for (const groups of grouped) {
    for (const group of groups) seen.set(group, (seen.get(group) ?? 0) + 1);
  }
  const units: string[] = [];
  const indexOf = new Map<string, number>();
  const unit = (text: string) => {
    let index = indexOf.get(text);
    if (index === undefined) {
      index = units.push(text) - 1;
      indexOf.set(text, index);
    }
    return index;
  };
  const files = grouped.map((groups) => {
    const parts: number[] = [];
    let single: string[] = [];
    for (const group of groups) {
      if ((seen.get(group) ?? 0) > 1 || standalone(group)) {
        if (single.length > 0) parts.push(unit(single.join("\n\n")));
        single = [];
        parts.push(unit(group));
      } else {
        single.push(group);
      }
    }
    if (single.length > 0) parts.push(unit(single.join("\n\n")));
    return parts;
  });
  return { units, files };
}

/** A file's formatted text from its formatted units: each ends in one line break; a blank line between. */
export function joinUnits(formatted: readonly string[]): string {
  return formatted.join("\n");
}

/**
 * Separates units given to prettier together. A line comment before a statement is printed on
 * its own line before it, and leaves the statement as it was: so `format(a + "\n\n" + marker +
 * "\n" + b)` is `format(a) + "\n" + marker + "\n" + format(b)`.
 */
const marker = "// cachegen: next unit";
const separator = `\n${marker}\n`;

/**
 * Units in batches of up to `maxChars` characters, each one text for one prettier call: prettier
 * spends ~0.3 ms per call before it reads a character (options, parser set-up), as much as it
 * spends formatting 100 bytes, and a 500-entity project has ~1,000 units. Batches stay small
 * enough that prettier's syntax tree and document for one batch stay small too.
 */
export function batchUnits(units: readonly string[], maxChars: number): { text: string; units: number[] }[] {
  const batches: { text: string; units: number[] }[] = [];
  let texts: string[] = [];
  let members: number[] = [];
  let size = 0;
  const close = () => {
    if (members.length > 0) batches.push({ text: texts.join(`\n${separator}`), units: members });
    texts = [];
    members = [];
    size = 0;
  };
  for (const [index, text] of units.entries()) {
    if (size > 0 && size + text.length > maxChars) close();
    texts.push(text);
    members.push(index);
    size += text.length;
  }
  close();
  return batches;
}

/**
 * The formatted units of a formatted batch of `count` units, each ending in one line break; or
 * undefined when the marker does not cut it into exactly `count` parts (a unit's own text held
 * it), and the units must be formatted one by one.
 */
export function splitBatch(formatted: string, count: number): string[] | undefined {
  // `format(a) + "\n" + marker + "\n" + ...`, where `format(a)` ends in its own line break.
  const parts = formatted.split(separator);
  return parts.length === count ? parts : undefined;
}
