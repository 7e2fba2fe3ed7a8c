import * as prettier from "prettier";
import type { FileLanguage } from "../emit/emit-project.js";
import { sha256 } from "../hash.js";
import type { FormatCache } from "./format-cache.js";

/**
 * Fixed options, never the user's prettier config: output must be the same bytes on every machine,
 * or `check` would report drift that `generate` cannot fix.
 */
const options: Record<FileLanguage, prettier.Options> = {
  typescript: { parser: "typescript", printWidth: 100 },
  markdown: { parser: "markdown", printWidth: 100 },
};

export async function formatFile(text: string, language: FileLanguage, cache: FormatCache): Promise<string> {
  const hash = sha256(JSON.stringify([prettier.version, options[language], text]));
  const cached = await cache.get(hash);
  if (cached !== undefined) return cached;
  const formatted = await prettier.format(text, options[language]);
  await cache.set(hash, formatted);
  return formatted;
}
