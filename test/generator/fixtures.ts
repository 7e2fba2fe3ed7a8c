import { readdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate, type GenerateResult } from "../../src/generate.js";

/** `test/fixtures/valid/<case>/schemas/*.yaml` in, `test/fixtures/valid/<case>/expected/` out. */
export const validFixtures = fileURLToPath(new URL("../fixtures/valid/", import.meta.url));

export const fixtureCases: readonly string[] = readdirSync(validFixtures).sort();

export async function generateFixture(name: string): Promise<GenerateResult> {
  const schemasFolder = join(validFixtures, name, "schemas");
  const files = await Promise.all(
    (await readdir(schemasFolder)).sort().map(async (file) => ({
      path: `schemas/${file}`,
      text: await readFile(join(schemasFolder, file), "utf8"),
    })),
  );
  return generate({ files, keyPrefix: "app", tests: true });
}
