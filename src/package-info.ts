import { readFileSync } from "node:fs";

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
}

let packageInfo: PackageInfo | undefined;

/** Name and version of this package, read once from its package.json (one level above `src/` and `dist/`). */
export function readPackageInfo(): PackageInfo {
  if (!packageInfo) {
    const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    const { name, version } = JSON.parse(text) as { name: string; version: string };
    packageInfo = { name, version };
  }
  return packageInfo;
}
