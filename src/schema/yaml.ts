import { createRequire } from "node:module";

type Yaml = typeof import("yaml");
let yaml: Yaml | undefined;

/**
 * The `yaml` package, loaded on first use: a run whose schema files all come from the parse cache
 * (`cached-load.ts`) and report nothing never loads it.
 */
export function yamlLibrary(): Yaml {
  yaml ??= createRequire(import.meta.url)("yaml") as Yaml;
  return yaml;
}
