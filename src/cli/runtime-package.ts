import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { readPackageInfo } from "../package-info.js";

/** The package the generated code imports (`cachegen/runtime`); this generator is a separate package. */
const runtimePackage = "cachegen";

/**
 * What is wrong with the runtime package the project's generated code will import, or undefined.
 * The generator does not depend on it (an application installs it as its production dependency,
 * the generator as a development one), so nothing but this check sees a missing or older runtime
 * before the application's compiler or its first request does. Outside an npm project (no
 * package.json at `projectRoot` or above) there is nothing to check.
 */
export function runtimePackageProblem(projectRoot: string): string | undefined {
  const packageJson = nearestPackageJson(projectRoot);
  if (packageJson === undefined) return undefined;
  const generator = readPackageInfo();
  const install = `npm install ${runtimePackage}@^${generator.version}`;
  let installed: string;
  try {
    const manifest = createRequire(packageJson).resolve(`${runtimePackage}/package.json`);
    installed = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return `the generated code imports ${runtimePackage}/runtime, and ${runtimePackage} is not installed in this project: ${install}`;
  }
  if (caretAccepts(generator.version, installed)) return undefined;
  return `${runtimePackage} ${installed} is installed, and this generator (${generator.name} ${generator.version}) writes code for ${runtimePackage} ^${generator.version}: ${install}`;
}

function nearestPackageJson(folder: string): string | undefined {
  for (let current = folder; ; current = dirname(current)) {
    const candidate = join(current, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/** npm's `^base` for plain `x.y.z` versions: same major (same minor below 1.0), not older. */
export function caretAccepts(base: string, version: string): boolean {
  const [major, minor, patch] = numbers(base);
  const [vMajor, vMinor, vPatch] = numbers(version);
  if (vMajor !== major) return false;
  if (major === 0) return vMinor === minor && vPatch >= patch;
  return vMinor > minor || (vMinor === minor && vPatch >= patch);
}

function numbers(version: string): [number, number, number] {
  const [major = NaN, minor = NaN, patch = NaN] = version.split(/[-+]/, 1)[0]!.split(".").map(Number);
  return [major, minor, patch];
}
