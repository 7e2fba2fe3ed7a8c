import fc from "fast-check";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { alignedTable, isPlainCell, unalignedTable } from "../../src/emit/markdown-table.js";
import { formatText } from "../../src/format/format-file.js";

/** Prettier's full build, as `formatText` formats markdown (same options). */
const formatMarkdown = (text: string) => prettier.format(text, { parser: "markdown", printWidth: 100 });

const chars = (set: string) => [...set];
const plainChars = chars("abcxyzABCXYZ0189 ().,%:-\u2014");
const codeChars = chars("abcxyzABCXYZ0189_$.:{}/(), -");

/** Plain text: words of `plainChars` (spaces only between words, never two). */
const plainText = fc
  .array(fc.string({ unit: fc.constantFrom(...plainChars.filter((c) => c !== " ")), minLength: 1, maxLength: 8 }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((words) => words.join(" "));

/** A code span: no backtick, no space at either end, no two spaces in a row. */
const codeSpan = fc
  .string({ unit: fc.constantFrom(...codeChars), minLength: 1, maxLength: 24 })
  .filter((text) => text.trim() === text && !text.includes("  "))
  .map((text) => `\`${text}\``);

/** Cells as the README writes them: code spans and words, joined by ", " or a space. */
const cell = fc
  .array(fc.oneof(plainText, codeSpan), { minLength: 1, maxLength: 3 })
  .chain((parts) =>
    fc
      .array(fc.constantFrom(", ", " "), { minLength: parts.length - 1, maxLength: parts.length - 1 })
      .map((joins) =>
        parts.reduce((text, part, index) => (index === 0 ? part : `${text}${joins[index - 1]}${part}`), ""),
      ),
  )
  .filter(isPlainCell);

const table = fc.integer({ min: 1, max: 5 }).chain((columns) =>
  fc.record({
    header: fc.array(cell, { minLength: columns, maxLength: columns }),
    rows: fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 6 }),
  }),
);

describe("README tables laid out as prettier lays them out", () => {
  it("gives prettier's bytes for any table of plain cells, which prettier then leaves alone", async () => {
    await fc.assert(
      fc.asyncProperty(table, async ({ header, rows }) => {
        const aligned = alignedTable(header, rows);
        expect(aligned).toBeDefined();
        const document = `# Title\n\nSome text.\n\n${(aligned ?? []).join("\n")}\n\n## After\n`;
        const unaligned = `# Title\n\nSome text.\n\n${unalignedTable(header, rows).join("\n")}\n\n## After\n`;
        expect(await formatMarkdown(unaligned)).toBe(document);
        expect(await formatMarkdown(document)).toBe(document);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it("leaves to prettier the cells whose text prettier would change or measure differently", () => {
    for (const cell of [
      "a  b",
      " a",
      "a ",
      "`a",
      "`` ` ``",
      "a|b",
      "a*b",
      "_a_",
      "a\\b",
      "`` `",
      "` a`",
      "日本",
      "é",
    ]) {
      expect(isPlainCell(cell), cell).toBe(false);
      expect(alignedTable(["x"], [[cell]])).toBeUndefined();
    }
    expect(isPlainCell("`getByEmail(email)`, `getByTeam(teamId, role)`")).toBe(true);
    expect(isPlainCell("1h (up to 10% early), stale-while-revalidate 5m")).toBe(true);
    expect(isPlainCell("\u2014")).toBe(true);
  });

  it("formats a table it cannot lay out as prettier's full build does", async () => {
    const rows = [
      ["`a b`", "日本語", "a*b"],
      ["`schemas/my file.yaml`", "x  y", "—"],
    ];
    const text = `# T\n\n${unalignedTable(["A", "B", "C"], rows).join("\n")}\n`;
    expect(await formatText(text, "markdown")).toBe(await formatMarkdown(text));
  });
});
