import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { readProjectFromFiles } from "../../src/read-project.js";

/**
 * Each folder under test/fixtures/invalid is a project whose schemas hold one class of mistake;
 * its expected.txt is the exact output. `UPDATE_GOLDEN=1` rewrites the expected files.
 */
const fixturesDir = path.join(import.meta.dirname, "../fixtures/invalid");
const updateGolden = process.env.UPDATE_GOLDEN === "1";
const options = { keyPrefix: "app", tests: true };

const cases = readdirSync(fixturesDir).sort();

function schemaFiles(caseName: string, prefix = "") {
  const schemasDir = path.join(fixturesDir, caseName, "schemas");
  return readdirSync(schemasDir).map((name) => ({
    path: `${prefix}schemas/${name}`,
    text: readFileSync(path.join(schemasDir, name), "utf8"),
  }));
}

function expectedLines(caseName: string): string[] {
  return readFileSync(path.join(fixturesDir, caseName, "expected.txt"), "utf8")
    .trimEnd()
    .split("\n");
}

describe("invalid schemas are reported with exact messages and locations", () => {
  test.each(cases)("%s", (caseName) => {
    const result = readProjectFromFiles(schemaFiles(caseName), options);
    const output = result.diagnostics.map(formatDiagnostic);
    const expectedFile = path.join(fixturesDir, caseName, "expected.txt");
    if (updateGolden || !existsSync(expectedFile)) writeFileSync(expectedFile, `${output.join("\n")}\n`);
    expect(result.model).toBeUndefined();
    expect(output.length).toBeGreaterThan(0);
    expect(output).toEqual(expectedLines(caseName));
  });
});

test("one run reports every error of every case, in every file", () => {
  // Every case in one project, each under its own folder; entity names differ between cases.
  const files = cases.flatMap((caseName) => schemaFiles(caseName, `${caseName}/`));
  const result = readProjectFromFiles(files, options);
  const expected = cases.flatMap((caseName) =>
    expectedLines(caseName).map((line) => line.replaceAll("schemas/", `${caseName}/schemas/`)),
  );
  expect(result.diagnostics.map(formatDiagnostic)).toEqual(expected);
  const casesWithErrors = new Set(result.diagnostics.map((diagnostic) => diagnostic.file.split("/")[0]));
  expect([...casesWithErrors]).toEqual(cases);
});
