import type { Options } from "prettier";
import type { FileLanguage } from "../emit/emit-project.js";
import { sha256 } from "../hash.js";
import { installedVersion } from "../package-info.js";

/**
 * Fixed options, never the user's prettier config: output must be the same bytes on every machine,
 * or `check` would report drift that `generate` cannot fix. TypeScript goes through `babel-ts`:
 * the same printer as prettier's `typescript` parser (the output of every golden and benchmark
 * project is byte-identical), at about 60% of the cost, since it builds the ESTree directly
 * instead of running the TypeScript compiler's parser and converting its tree.
 */
export const formatOptions: Readonly<Record<FileLanguage, Readonly<Options>>> = {
  typescript: { parser: "babel-ts", printWidth: 100 },
  markdown: { parser: "markdown", printWidth: 100 },
};

/** The format cache key of a text: a hash of the prettier version, the options and the text. */
export function formatKey(text: string, language: FileLanguage): string {
  // The prefix is one line of JSON, so no two (version, options, text) triples hash the same input.
  return sha256(`${JSON.stringify(["format", installedVersion("prettier"), formatOptions[language]])}\n`, text);
}

type Format = (text: string, options: Options) => Promise<string>;
const formatters: Partial<Record<FileLanguage, Promise<Format>>> = {};

/**
 * Prettier, loaded on first use: a run whose every file is in the format cache never pays for
 * loading it. Its standalone build with only the plugins a language needs: the babel parser and
 * the estree printer for TypeScript, the markdown plugin for the README (whose only code block,
 * the mermaid graph, no plugin formats). Loading less costs less time and memory, in this thread
 * or a worker; `test/generator/format.test.ts` checks that every golden file comes out as the
 * full build formats it.
 */
function formatterFor(language: FileLanguage): Promise<Format> {
  formatters[language] ??= Promise.all([
    import("prettier/standalone"),
    ...(language === "typescript"
      ? [import("prettier/plugins/babel"), import("prettier/plugins/estree")]
      : [import("prettier/plugins/markdown")]),
  ]).then(
    ([standalone, ...plugins]) =>
      (text, options) =>
        standalone.format(text, { ...options, plugins }),
  );
  return formatters[language];
}

export async function formatText(text: string, language: FileLanguage): Promise<string> {
  const format = await formatterFor(language);
  return format(text, { ...formatOptions[language] });
}
