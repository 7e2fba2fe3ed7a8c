import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import type { PrecompiledTemplates } from "../../src/emit/templates.js";
import { templateNames } from "../../src/emit/templates.js";
import { generate } from "../../src/generate.js";
import { sha256 } from "../../src/hash.js";
import { requireBuiltCli } from "../cli/cli-harness.js";
import { fixtureCases, validFixtures } from "./fixtures.js";

requireBuiltCli();

const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

it("builds every template ahead, from the templates as they are", () => {
  const built = createRequire(import.meta.url)(
    `${packageRoot}dist/emit/precompiled-templates.cjs`,
  ) as PrecompiledTemplates;
  for (const name of templateNames) {
    const source = readFileSync(`${packageRoot}templates/${name}.hbs`, "utf8");
    expect(built.templates[name]?.sha256, name).toBe(sha256(source));
  }
});

it("renders with the precompiled templates (the build) what compiling them renders (src/)", async () => {
  const distGenerate = (
    (await import(pathToFileURL(`${packageRoot}dist/generate.js`).href)) as { generate: typeof generate }
  ).generate;
  for (const fixture of fixtureCases) {
    const schemas = join(validFixtures, fixture, "schemas");
    const files = readdirSync(schemas).map((file) => ({
      path: `schemas/${file}`,
      text: readFileSync(join(schemas, file), "utf8"),
    }));
    const project = { files, keyPrefix: "app", tests: true };
    const [built, compiled] = await Promise.all([distGenerate(project), generate(project)]);
    expect(built.files.size).toBeGreaterThan(0);
    expect(built.files, fixture).toEqual(compiled.files);
  }
});
