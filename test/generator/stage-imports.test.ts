import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

/**
 * The generator's stages run config -> load/validate (`schema/`) -> model -> emit -> format ->
 * write; each may import only from itself, from earlier stages, from the runtime (whose types
 * generated code targets) and from the shared helpers at the root of `src/`. The orchestrators
 * (`generate.ts`, `read-project.ts`, ...) and the commands may import anything. The runtime package
 * (`runtime/`, and `testing/`, its conformance suite) imports nothing of the generator, and the
 * runtime nothing of the suite (only `cachegen/testing` may load vitest).
 */
const src = fileURLToPath(new URL("../../src/", import.meta.url));

const stageRank: Record<string, number> = {
  "config.ts": 0,
  "config-schema.ts": 0,
  "config-values.ts": 0,
  schema: 1,
  model: 2,
  emit: 3,
  format: 4,
  write: 5,
};
/** Root files every stage may use; they import no stage. */
const shared = new Set([
  "compare-code-units.ts",
  "diagnostics.ts",
  "hash.ts",
  "manifest.ts",
  "package-info.ts",
  "suggest.ts",
  "wording.ts",
]);

type Place = number | "shared" | "runtime" | "testing";

/** The stage a file under `src/` belongs to: a rank, "shared", "runtime", "testing" or undefined (free to import). */
function placeOf(file: string): Place | undefined {
  const [top = ""] = file.split("/");
  if (top === "runtime" || top === "testing") return top;
  if (shared.has(file)) return "shared";
  return stageRank[top];
}

function mayImport(from: Place, to: Place | undefined): boolean {
  if (from === "runtime") return to === "runtime";
  if (from === "testing") return to === "runtime" || to === "testing";
  if (from === "shared") return to === "shared";
  return to === "shared" || to === "runtime" || (typeof to === "number" && to <= from);
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => file.split("\\").join("/"));
}

it("no generator file imports from a later stage", () => {
  const upward: string[] = [];
  for (const file of sourceFiles(src)) {
    const from = placeOf(file);
    if (from === undefined) continue;
    const text = readFileSync(join(src, file), "utf8");
    for (const [, specifier = ""] of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
      const target = relative(src, join(dirname(join(src, file)), specifier))
        .split("\\")
        .join("/")
        .replace(/\.js$/, ".ts");
      if (!mayImport(from, placeOf(target))) upward.push(`${file} imports ${target}`);
    }
  }
  expect(upward).toEqual([]);
});
