/** Lines of context around each change, as `diff -u` and `git diff` print. */
const CONTEXT = 3;

/**
 * Past this many differing lines a file is shown as removed and added whole: the shortest edit
 * script costs memory growing with the square of its length.
 */
const MAX_EDITS = 2000;

type Edit = { readonly kind: " " | "-" | "+"; readonly line: string };

/**
 * A unified diff (`diff -u`, `git apply` reads it) from `before` to `after`, each `undefined`
 * when the file does not exist (shown as /dev/null); "" when both are the same.
 */
export function unifiedDiff(
  before: string | undefined,
  after: string | undefined,
  names: { readonly before: string; readonly after: string },
): string {
  if (before === after) return "";
  const edits = lineEdits(splitLines(before ?? ""), splitLines(after ?? ""));
  const header = [
    `--- ${before === undefined ? "/dev/null" : names.before}`,
    `+++ ${after === undefined ? "/dev/null" : names.after}`,
  ];
  return [...header, ...hunks(edits).flatMap(hunkLines)].join("\n") + "\n";
}

/** Lines with their line ends kept, so a missing final newline is a difference like any other. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The shortest edit script (Myers' O(ND) algorithm) after the common start and end are set aside. */
function lineEdits(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const same = (lines: readonly string[]) => lines.map((line): Edit => ({ kind: " ", line }));
  const middle = shortestEdits(a.slice(start, a.length - end), b.slice(start, b.length - end));
  return [...same(a.slice(0, start)), ...middle, ...same(a.slice(a.length - end))];
}

function shortestEdits(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  // v[k + offset]: the furthest x reached on diagonal k; trace[d]: v after d edits.
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[k - 1 + offset]! < v[k + 1 + offset]!);
      let x = down ? v[k + 1 + offset]! : v[k - 1 + offset]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d, offset);
    }
  }
  return [...a.map((line): Edit => ({ kind: "-", line })), ...b.map((line): Edit => ({ kind: "+", line }))];
}

function backtrack(
  a: readonly string[],
  b: readonly string[],
  trace: readonly Int32Array[],
  edits: number,
  offset: number,
): Edit[] {
  const script: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = edits; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && v[k - 1 + offset]! < v[k + 1 + offset]!);
    const previousK = down ? k + 1 : k - 1;
    const previousX = v[previousK + offset]!;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      y--;
      script.push({ kind: " ", line: a[--x]! });
    }
    if (down) script.push({ kind: "+", line: b[--y]! });
    else script.push({ kind: "-", line: a[--x]! });
  }
  // The first snake: lines equal from the start.
  while (x > 0) script.push({ kind: " ", line: a[--x]! });
  return script.reverse();
}

interface Hunk {
  readonly beforeStart: number;
  readonly afterStart: number;
  readonly edits: readonly Edit[];
}

/** Changes with up to CONTEXT unchanged lines around them; changes closer than that share a hunk. */
function hunks(edits: readonly Edit[]): Hunk[] {
  const changed = edits.flatMap((edit, index) => (edit.kind === " " ? [] : [index]));
  const result: Hunk[] = [];
  let i = 0;
  while (i < changed.length) {
    let last = changed[i]!;
    let j = i + 1;
    while (j < changed.length && changed[j]! - last <= 2 * CONTEXT + 1) last = changed[j++]!;
    const from = Math.max(0, changed[i]! - CONTEXT);
    const to = Math.min(edits.length, last + CONTEXT + 1);
    const before = edits.slice(0, from);
    result.push({
      beforeStart: before.filter((edit) => edit.kind !== "+").length,
      afterStart: before.filter((edit) => edit.kind !== "-").length,
      edits: edits.slice(from, to),
    });
    i = j;
  }
  return result;
}

function hunkLines(hunk: Hunk): string[] {
  const beforeCount = hunk.edits.filter((edit) => edit.kind !== "+").length;
  const afterCount = hunk.edits.filter((edit) => edit.kind !== "-").length;
  const lines = [`@@ -${range(hunk.beforeStart, beforeCount)} +${range(hunk.afterStart, afterCount)} @@`];
  for (const { kind, line } of hunk.edits) {
    lines.push(`${kind}${line.endsWith("\n") ? line.slice(0, -1) : line}`);
    if (!line.endsWith("\n")) lines.push("\\ No newline at end of file");
  }
  return lines;
}

/** `start,count` as diff writes it: 1-based, `,1` left out, an empty range named by the line before it. */
function range(linesBefore: number, count: number): string {
  const start = count === 0 ? linesBefore : linesBefore + 1;
  return count === 1 ? `${start}` : `${start},${count}`;
}
