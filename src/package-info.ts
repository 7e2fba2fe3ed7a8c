import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

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

const installed = new Map<string, string>();

/**
 * The text of an installed library's package.json (`yaml`, `prettier`...), read once per process:
 * cache keys include library versions without loading the libraries themselves.
 */
export function installedPackageJson(library: string): string {
  let text = installed.get(library);
  if (text === undefined) {
    text = readFileSync(createRequire(import.meta.url).resolve(`${library}/package.json`), "utf8");
    installed.set(library, text);
  }
  return text;
}

const versions = new Map<string, string>();

/** The version of an installed library (see `installedPackageJson`); cache keys ask for it per file. */
export function installedVersion(library: string): string {
  let version = versions.get(library);
  if (version === undefined) {
    version = (JSON.parse(installedPackageJson(library)) as { version: string }).version;
    versions.set(library, version);
  }
  return version;
}
