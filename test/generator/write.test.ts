import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { manifestFileName, renderManifest } from "../../src/manifest.js";
import { compareWithOutput } from "../../src/write/output-folder.js";
import { writeOutput } from "../../src/write/write-output.js";
import { fixtureCases, generateFixture } from "./fixtures.js";

const generator = { name: "cachegen", version: "0.0.0-test" };
const folders: string[] = [];

async function outputFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "cachegen-write-"));
  folders.push(folder);
  return folder;
}

afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

/** A generated file map as `generate` returns it: the files plus a manifest listing them. */
function generated(files: Record<string, string>): Map<string, string> {
  const map = new Map(Object.entries(files));
  map.set(manifestFileName, renderManifest(generator, [{ file: "schemas/user.yaml", sha256: "0".repeat(64) }], map));
  return map;
}

const aLongTimeAgo = new Date("2020-01-01T00:00:00.000Z");

describe("writeOutput", () => {
  it("writes changed files only, so unchanged files keep their mtime", async () => {
    const out = await outputFolder();
    await writeOutput(out, generated({ "user.ts": "user v1\n", "index.ts": "index\n" }));
    await utimes(join(out, "index.ts"), aLongTimeAgo, aLongTimeAgo);

    const report = await writeOutput(out, generated({ "user.ts": "user v2\n", "index.ts": "index\n" }));

    expect(report).toEqual({ written: [manifestFileName, "user.ts"], unchanged: ["index.ts"], removed: [] });
    expect((await stat(join(out, "index.ts"))).mtime).toEqual(aLongTimeAgo);
    expect(await readFile(join(out, "user.ts"), "utf8")).toBe("user v2\n");
  });

  it("removes files its old manifest lists and the new run no longer generates, and nothing else", async () => {
    const out = await outputFolder();
    await writeOutput(out, generated({ "user.ts": "user\n", "team.ts": "team\n" }));
    await writeFile(join(out, "notes.md"), "mine, not cachegen's\n");

    const report = await writeOutput(out, generated({ "user.ts": "user\n" }));

    expect(report.removed).toEqual(["team.ts"]);
    expect((await readdir(out)).sort()).toEqual([manifestFileName, "notes.md", "user.ts"]);
  });

  it("never removes a path outside the output folder, whatever the manifest on disk says", async () => {
    const parent = await outputFolder();
    const out = join(parent, "generated");
    await writeOutput(out, generated({ "user.ts": "user\n" }));
    await writeFile(join(parent, "precious.ts"), "keep me\n");
    await writeFile(join(out, manifestFileName), JSON.stringify({ files: { "../precious.ts": "x", "/etc/hosts": "x" } }));

    expect((await writeOutput(out, generated({ "user.ts": "user\n" }))).removed).toEqual([]);
    expect(await readFile(join(parent, "precious.ts"), "utf8")).toBe("keep me\n");
  });

  it("writes nothing on a dry run, and reports what it would do", async () => {
    const out = await outputFolder();
    await writeOutput(out, generated({ "user.ts": "user\n", "team.ts": "team\n" }));

    const report = await writeOutput(out, generated({ "user.ts": "user v2\n" }), { dryRun: true });

    expect(report).toEqual({ written: [manifestFileName, "user.ts"], unchanged: [], removed: ["team.ts"] });
    expect(await readFile(join(out, "user.ts"), "utf8")).toBe("user\n");
    expect((await readdir(out)).sort()).toEqual([manifestFileName, "team.ts", "user.ts"]);
  });
});

describe("compareWithOutput (check)", () => {
  it("reports files that differ, are missing or are stale", async () => {
    const out = await outputFolder();
    await writeOutput(out, generated({ "user.ts": "user\n", "team.ts": "team\n", "index.ts": "index\n" }));
    await rm(join(out, "index.ts"));

    const comparison = await compareWithOutput(out, generated({ "user.ts": "user v2\n", "index.ts": "index\n" }));

    expect(comparison).toEqual({
      unchanged: [],
      differ: [manifestFileName, "user.ts"],
      missing: ["index.ts"],
      stale: ["team.ts"],
    });
  });

  it("finds nothing to do right after a write", async () => {
    const out = await outputFolder();
    const files = generated({ "user.ts": "user\n" });
    await writeOutput(out, files);
    const { differ, missing, stale } = await compareWithOutput(out, files);
    expect([...differ, ...missing, ...stale]).toEqual([]);
  });
});

describe("generated output", () => {
  it.each(fixtureCases)("%s: is the same bytes on every run, without absolute paths or timestamps", async (name) => {
    const first = await generateFixture(name);
    const second = await generateFixture(name);
    expect([...second.files]).toEqual([...first.files]);
    for (const [path, content] of first.files) {
      expect(content, path).not.toContain(process.cwd());
      expect(content, path).not.toContain(tmpdir());
      const timestamps = content.match(/\d{4}-\d\d-\d\dT[\d:.]+Z/g) ?? [];
      const fixedSampleDates = /^2024-01-0\dT(03:04:05|00:00:00)\.000Z$/;
      expect(timestamps.filter((timestamp) => !fixedSampleDates.test(timestamp)), path).toEqual([]);
    }
  });
});
