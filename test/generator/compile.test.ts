import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileGenerated } from "./compile-generated.js";
import { fixtureCases, generateFixture, validFixtures } from "./fixtures.js";

describe.each(fixtureCases)("compile: %s", (name) => {
  it("type-checks under strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, verbatimModuleSyntax, noPropertyAccessFromIndexSignature, NodeNext", async () => {
    const { files } = await generateFixture(name);
    expect(files.size).toBeGreaterThan(0);
    expect(compileGenerated(files, join(validFixtures, name, "generated"))).toEqual([]);
  });
});
