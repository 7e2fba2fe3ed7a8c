import { readFileSync } from "node:fs";
import { compareCodeUnits } from "../compare-code-units.js";
import { outputPath } from "../write/output-folder.js";
import type { Terminal } from "./terminal.js";
import { unifiedDiff } from "./unified-diff.js";

/**
 * Prints a unified diff from the output folder on disk to `files`, for `changed` (written or
 * missing) and `removed` paths; `folder` is the output folder as the user names it (`generated/`).
 * From the project root, `git apply` takes it.
 */
export function printDiff(
  terminal: Terminal,
  outDir: string,
  folder: string,
  files: ReadonlyMap<string, string>,
  paths: { readonly changed: readonly string[]; readonly removed: readonly string[] },
): void {
  const { out } = terminal;
  const all = [...paths.changed, ...paths.removed].sort(compareCodeUnits);
  for (const path of all) {
    const shown = `${folder}${path}`;
    const diff = unifiedDiff(readIfExists(outputPath(outDir, path)), files.get(path), {
      before: `a/${shown}`,
      after: `b/${shown}`,
    });
    const [from = "", to = "", ...body] = diff.slice(0, -1).split("\n");
    out.line(out.style.bold(from));
    out.line(out.style.bold(to));
    for (const line of body) out.line(colored(line, out.style));
  }
}

function colored(line: string, style: Terminal["out"]["style"]): string {
  if (line.startsWith("@@")) return style.dim(line);
  if (line.startsWith("-")) return style.red(line);
  if (line.startsWith("+")) return style.green(line);
  return line;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
