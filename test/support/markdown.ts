/** Every ```ts block of a markdown text, with the line its code starts on. */
export function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const lines = markdown.split("\n");
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((line, index) => index > i && /^```\s*$/.test(line));
    blocks.push({ line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/** The first ```ts block after the line that starts with `heading`. */
export function typescriptBlockAfter(markdown: string, heading: string): string {
  const headingLine = markdown.split("\n").findIndex((line) => line.startsWith(heading)) + 1;
  const block = typescriptBlocks(markdown).find(({ line }) => headingLine > 0 && line > headingLine);
  if (block === undefined) throw new Error(`no TypeScript block after "${heading}"`);
  return block.code;
}
