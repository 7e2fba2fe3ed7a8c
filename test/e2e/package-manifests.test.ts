import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { requireBuiltCli } from "../cli/cli-harness.js";

requireBuiltCli();
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  exports?: Record<string, string | { default: string }>;
}

const packages = [
  { folder: repositoryRoot, name: "@cachegen/generator" },
  { folder: join(repositoryRoot, "packages", "runtime"), name: "cachegen" },
];

async function manifestOf(folder: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(folder, "package.json"), "utf8")) as Manifest;
}

/**
 * The packages the built code of `folder` loads: static and dynamic imports, and
 * `createRequire(...)("name")` (how the generator loads yaml and handlebars only when it needs them).
 */
async function importedPackages(folder: string): Promise<Set<string>> {
  const imported = new Set<string>();
  const files = await readdir(join(folder, "dist"), { recursive: true, encoding: "utf8" });
  for (const file of files.filter((name) => name.endsWith(".js"))) {
    const code = await readFile(join(folder, "dist", file), "utf8");
    // A specifier has no whitespace: `" from ${source};"` in the generator's printer is no import.
    const specifiers = code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\)\(\s*)"([^".\s][^"\s]*)"/g);
    for (const [, specifier = ""] of specifiers) {
      if (specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
      const parts = specifier.split("/");
      imported.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
    }
  }
  return imported;
}

describe("the two packages of this repository", () => {
  it.each(packages)("$name declares every package its built code loads", async ({ folder, name }) => {
    const manifest = await manifestOf(folder);
    expect(manifest.name).toBe(name);
    // An optional peer may be named in peerDependenciesMeta alone (vitest, for cachegen/testing):
    // with a range in peerDependencies, npm would install it in an app's production install.
    const optionalPeers = Object.entries(manifest.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional);
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...optionalPeers.map(([name]) => name),
    ]);
    const undeclared = [...(await importedPackages(folder))].filter((dependency) => !declared.has(dependency));
    expect(undeclared).toEqual([]);
  });

  it("have one version, and the generator never names the runtime as a dependency of any kind", async () => {
    const [generator, runtime] = await Promise.all(packages.map(({ folder }) => manifestOf(folder)));
    expect(runtime!.version).toBe(generator!.version);
    // Not even as an optional peer: when the installed runtime does not fit its range, `npm install`
    // looks for a `cachegen` that does on the registry, where an unrelated package of that name may
    // be. The generator checks the runtime itself (src/cli/runtime-package.ts).
    for (const kind of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
      expect(generator![kind] ?? {}, kind).not.toHaveProperty("cachegen");
    }
  });

  it("keep the generator's tools out of the runtime's dependencies", async () => {
    const runtime = await manifestOf(packages[1]!.folder);
    for (const tool of ["@cachegen/generator", "prettier", "handlebars", "yaml"]) {
      expect(runtime.dependencies ?? {}).not.toHaveProperty(tool);
    }
  });

  it("load an adapter's optional peer only from the adapter's entry point", async () => {
    const folder = packages[1]!.folder;
    const runtime = await manifestOf(folder);
    const adapters = { "./prometheus": "prom-client", "./opentelemetry": "@opentelemetry/api" };
    for (const peer of Object.values(adapters)) {
      expect(runtime.peerDependencies ?? {}, peer).toHaveProperty(peer);
      expect(runtime.peerDependenciesMeta?.[peer]?.optional, peer).toBe(true);
    }
    /** The packages a built file loads, itself and through its relative imports. */
    const reached = async (file: string, seen = new Set<string>()): Promise<Set<string>> => {
      const found = new Set<string>();
      if (seen.has(file)) return found;
      seen.add(file);
      const code = await readFile(file, "utf8");
      for (const [, specifier = ""] of code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g)) {
        if (specifier.startsWith(".")) {
          for (const name of await reached(join(dirname(file), specifier), seen)) found.add(name);
        } else found.add(specifier);
      }
      return found;
    };
    const entry = (path: string) => {
      const target = runtime.exports?.[path];
      return join(folder, typeof target === "string" ? target : target!.default);
    };
    const core = await reached(entry("./runtime"));
    for (const [path, peer] of Object.entries(adapters)) {
      expect([...core], peer).not.toContain(peer);
      expect([...(await reached(entry(path)))], path).toContain(peer);
    }
  });
});
