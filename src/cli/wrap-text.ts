/** How wide `--help` output is: a terminal's default, so nothing wraps mid-word or scrolls sideways. */
export const HELP_WIDTH = 80;

/**
 * `pieces` (words, or groups such as `[--redis URL]` that must stay on one line) laid out in lines
 * of at most `width` characters, one space apart: the first line starts with `first`, the others
 * with `rest`. A piece longer than a line gets a line of its own.
 */
export function wrapPieces(pieces: readonly string[], width: number, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const piece of pieces) {
    if (!empty && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? piece : ` ${piece}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** `text` wrapped at spaces; see `wrapPieces`. */
export function wrapText(text: string, width: number, first = "", rest = first): string[] {
  return wrapPieces(
    text.split(" ").filter((word) => word !== ""),
    width,
    first,
    rest,
  );
}
