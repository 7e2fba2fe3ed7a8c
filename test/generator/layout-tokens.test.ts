import { describe, expect, it } from "vitest";
import { tokenize, Unsupported } from "../../src/format/layout-tokens.js";

const brief = (text: string) => tokenize(text).map((token) => [token.kind, token.text, token.breaksBefore]);

describe("tokenize", () => {
  it("reads words, numbers, strings, comments and punctuation, counting the line breaks before each", () => {
    expect(brief('const a = { b: "x", ...c } // note\n\n/** doc */ f(1_000, 2.5, 3n) => d?.e;')).toEqual([
      ["word", "const", 0],
      ["word", "a", 0],
      ["punctuation", "=", 0],
      ["punctuation", "{", 0],
      ["word", "b", 0],
      ["punctuation", ":", 0],
      ["string", '"x"', 0],
      ["punctuation", ",", 0],
      ["punctuation", "...", 0],
      ["word", "c", 0],
      ["punctuation", "}", 0],
      ["comment", "// note", 0],
      ["comment", "/** doc */", 2],
      ["word", "f", 0],
      ["punctuation", "(", 0],
      ["number", "1_000", 0],
      ["punctuation", ",", 0],
      ["number", "2.5", 0],
      ["punctuation", ",", 0],
      ["number", "3n", 0],
      ["punctuation", ")", 0],
      ["punctuation", "=>", 0],
      ["word", "d", 0],
      ["punctuation", "?", 0],
      ["punctuation", ".", 0],
      ["word", "e", 0],
      ["punctuation", ";", 0],
    ]);
    expect(brief("a..b")).toEqual([
      ["word", "a", 0],
      ["punctuation", ".", 0],
      ["punctuation", ".", 0],
      ["word", "b", 0],
    ]);
  });

  it("refuses what it does not lay out, for prettier to format", () => {
    for (const text of [
      '"it\'s"',
      '"a\\"b"',
      '"open',
      "/* open",
      "a / b",
      "1.50",
      "007",
      "1..2",
      "a\tb",
      "é",
      "`t`",
      "!a",
      "'s'",
      "a + b",
    ]) {
      expect(() => tokenize(text), text).toThrow(Unsupported);
    }
  });
});
