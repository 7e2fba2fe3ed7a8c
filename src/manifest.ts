import { compareCodeUnits } from "./compare-code-units.js";
import { sha256 } from "./hash.js";
import type { PackageInfo } from "./package-info.js";

/**
 * `cachegen.manifest.json` in the output folder: which generator wrote it (the only place its
 * version appears, so an upgrade touches one file), the schemas it read, and the files it wrote.
 * Its file list is what lets `generate` remove files it no longer emits, and nothing else.
 */
export const manifestFileName = "cachegen.manifest.json";

export interface SchemaSource {
  /** Relative to the project root, `/`-separated. */
  readonly file: string;
  readonly sha256: string;
}

export function renderManifest(
  generator: PackageInfo,
  sources: readonly SchemaSource[],
  files: ReadonlyMap<string, string>,
): string {
  const manifest = {
    files: sortedRecord([...files].map(([path, content]) => [path, sha256(content)])),
    generator: { name: generator.name, version: generator.version },
    schemas: sortedRecord(sources.map((source) => [source.file, source.sha256])),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The files an earlier run listed, or undefined for text that is not a manifest. Only plain
 * relative paths are kept, so a tampered manifest can never point outside the output folder.
 */
export function parseManifestFiles(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || !("files" in parsed)) return undefined;
  const { files } = parsed;
  if (typeof files !== "object" || files === null) return undefined;
  return Object.keys(files).filter(isPlainRelativePath);
}

function isPlainRelativePath(path: string): boolean {
  return (
    path.length > 0 &&
    !path.startsWith("/") &&
    !path.includes("\\") &&
    !path.includes(":") &&
    path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..")
  );
}

function sortedRecord(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => compareCodeUnits(a, b)));
}
