import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { fixtureCases, generateFixture, validFixtures } from "./fixtures.js";

/** `UPDATE_GOLDEN=1 npx vitest run test/generator/golden.test.ts` rewrites `expected/`: review the diff. */
const updateGolden = process.env.UPDATE_GOLDEN === "1";

describe.each(fixtureCases)("golden: %s", (name) => {
  it("generates exactly the files in expected/", async () => {
    const result = await generateFixture(name);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const expectedFolder = join(validFixtures, name, "expected");
    if (updateGolden) {
      await rm(expectedFolder, { recursive: true, force: true });
      await mkdir(expectedFolder, { recursive: true });
      for (const [path, content] of result.files) await writeFile(join(expectedFolder, path), content);
    }
    const expectedPaths = (await readdir(expectedFolder)).sort();
    expect([...result.files.keys()].sort()).toEqual(expectedPaths);
    for (const path of expectedPaths) {
      const expected = await readFile(join(expectedFolder, path), "utf8");
      expect(result.files.get(path), `${name}/expected/${path}`).toBe(expected);
    }
  });
});
