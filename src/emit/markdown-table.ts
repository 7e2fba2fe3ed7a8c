/**
 * Markdown tables laid out as prettier lays them out (markdown parser, `proseWrap: "preserve"`):
 * `| ` cells ` |`, each cell padded with spaces to the width of its column's widest (at least 3),
 * and a delimiter row of as many dashes. Prettier measures a cell by its printed text, which is
 * its source text when the cell holds only plain words and code spans (`isPlainCell`); each of
 * those characters is one column wide. A README whose table is laid out here needs no prettier
 * (`EmittedFile.preformatted`); `test/generator/readme-table.test.ts` checks the layout against
 * prettier for random tables of such cells, and the golden READMEs against prettier's own output.
 */

/** Outside code spans: words, digits, spaces (never two in a row), `( ) . , % : -` and `—`. */
const plainText = /^[A-Za-z0-9 ().,%:\u2014-]*$/;
/** Inside code spans: identifiers, calls, tag patterns, paths; no space at either end. */
const codeText = /^[A-Za-z0-9_$.:{}/(), -]+$/;

/** Whether prettier prints `cell` as it is: plain text and non-empty code spans, single spaces, none at the ends. */
export function isPlainCell(cell: string): boolean {
  if (cell.trim() !== cell || cell.includes("  ")) return false;
  const parts = cell.split("`");
  // Odd parts are code spans: an odd number of backticks leaves one unclosed.
  if (parts.length % 2 === 0) return false;
  return parts.every((part, index) =>
    index % 2 === 0 ? plainText.test(part) : codeText.test(part) && part.trim() === part,
  );
}

/** The table's lines as prettier prints them, or undefined when a cell is not plain. */
export function alignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] | undefined {
  const table = [header, ...rows];
  if (!table.every((row) => row.length === header.length && row.every(isPlainCell))) return undefined;
  const widths = header.map((_, column) => Math.max(3, ...table.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const padded = (row: readonly string[]) => line(row.map((cell, column) => cell.padEnd(widths[column] as number)));
  return [padded(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(padded)];
}

/** The same table for prettier to lay out: one row per line, cells unpadded. */
export function unalignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)];
}
