import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { manifestFileName, manifestHeader, renderManifest } from "../../src/manifest.js";
import { compareWithOutput, hasGeneratedHeader, OutputFolderError } from "../../src/write/output-folder.js";
import { writeOutput } from "../../src/write/write-output.js";
import { fixtureCases, generateFixture } from "./fixtures.js";

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
  map.set(manifestFileName, renderManifest([{ file: "schemas/user.yaml", sha256: "0".repeat(64) }], map));
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

    const report = await writeOutput(out, generated({ "user.ts": "user\n" }), { allowOtherFiles: true });

    expect(report.removed).toEqual(["team.ts"]);
    expect((await readdir(out)).sort()).toEqual([manifestFileName, "notes.md", "user.ts"]);
  });

  it("never removes a path outside the output folder, whatever the manifest on disk says", async () => {
    const parent = await outputFolder();
    const out = join(parent, "generated");
    await writeOutput(out, generated({ "user.ts": "user\n" }));
    await writeFile(join(parent, "precious.ts"), "keep me\n");
    await writeFile(
      join(out, manifestFileName),
      JSON.stringify({ "//": manifestHeader, files: { "../precious.ts": "x", "/etc/hosts": "x" } }),
    );

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

/** Files as generate emits them: each starts with cachegen's header. */
function withHeaders(files: Record<string, string>): Map<string, string> {
  return generated(
    Object.fromEntries(
      Object.entries(files).map(([path, body]) => [
        path,
        `// Code generated by cachegen from schemas/x.yaml. DO NOT EDIT.\n${body}`,
      ]),
    ),
  );
}

describe("only cachegen's own files are replaced or removed", () => {
  it("recognises its files by their header when the manifest is gone: check reports them stale, generate removes them", async () => {
    const out = await outputFolder();
    await writeOutput(out, withHeaders({ "user.ts": "user\n", "team.ts": "team\n" }));
    await rm(join(out, manifestFileName));

    const next = withHeaders({ "user.ts": "user\n" });
    expect((await compareWithOutput(out, next)).stale).toEqual(["team.ts"]);
    expect((await writeOutput(out, next)).removed).toEqual(["team.ts"]);
    expect((await readdir(out)).sort()).toEqual([manifestFileName, "user.ts"]);
  });

  it("recognises the generated README and a manifest of an earlier version (which named the generator)", async () => {
    const out = await outputFolder();
    await writeFile(join(out, "README.md"), "<!-- Code generated by cachegen. DO NOT EDIT. -->\n# old\n");
    await writeFile(
      join(out, manifestFileName),
      JSON.stringify({ files: {}, generator: { name: "cachegen", version: "0.0.1" } }),
    );
    const report = await writeOutput(out, withHeaders({ "user.ts": "user\n" }));
    expect(report).toEqual({ written: [manifestFileName, "user.ts"], unchanged: [], removed: ["README.md"] });
  });

  it("refuses to replace a file it did not write, even when told the folder holds other files, and writes nothing", async () => {
    const app = await outputFolder();
    await writeFile(join(app, "index.ts"), "export const app = 1;\n");
    const files = withHeaders({ "index.ts": "export * from './user.js';\n", "user.ts": "user\n" });

    for (const allowOtherFiles of [false, true]) {
      await expect(writeOutput(app, files, { allowOtherFiles })).rejects.toThrow(OutputFolderError);
      await expect(compareWithOutput(app, files, { allowOtherFiles })).rejects.toThrow(
        /holds index\.ts, which cachegen did not write/,
      );
    }
    expect(await readdir(app)).toEqual(["index.ts"]);
    expect(await readFile(join(app, "index.ts"), "utf8")).toBe("export const app = 1;\n");
  });

  it("refuses a folder holding other sources unless allowed, and then never touches them", async () => {
    const out = await outputFolder();
    await mkdir(join(out, "components"));
    await writeFile(join(out, "main.ts"), "app code\n");
    await writeFile(join(out, ".gitkeep"), "");
    const files = withHeaders({ "user.ts": "user\n" });

    await expect(writeOutput(out, files)).rejects.toThrow(
      /holds files cachegen did not write \(components\/, main\.ts\).*"allowOtherFilesInOut": true/,
    );
    expect((await readdir(out)).sort()).toEqual([".gitkeep", "components", "main.ts"]);

    await writeOutput(out, files, { allowOtherFiles: true });
    expect((await writeOutput(out, withHeaders({ "team.ts": "team\n" }), { allowOtherFiles: true })).removed).toEqual([
      "user.ts",
    ]);
    expect((await readdir(out)).sort()).toEqual([".gitkeep", manifestFileName, "components", "main.ts", "team.ts"]);
    expect(await readFile(join(out, "main.ts"), "utf8")).toBe("app code\n");
  });

  it("a file its manifest lists is not its own once its content changed and its header is gone", async () => {
    const out = await outputFolder();
    await writeOutput(out, generated({ "user.ts": "user\n", "team.ts": "team\n" }));
    await writeFile(join(out, "team.ts"), "now the app's own file\n");
    await expect(writeOutput(out, generated({ "user.ts": "user\n" }))).rejects.toThrow(/\(team\.ts\)/);
    expect((await writeOutput(out, generated({ "user.ts": "user\n" }), { allowOtherFiles: true })).removed).toEqual([]);
    expect(await readFile(join(out, "team.ts"), "utf8")).toBe("now the app's own file\n");
  });

  it("never writes through, nor removes, a symbolic link: to a file or a folder outside the output folder", async () => {
    const parent = await outputFolder();
    const out = join(parent, "generated");
    const outside = join(parent, "outside");
    await mkdir(outside);
    await writeFile(
      join(outside, "user.ts"),
      "// Code generated by cachegen from schemas/x.yaml. DO NOT EDIT.\nsomeone else's\n",
    );
    await writeOutput(out, withHeaders({ "user.ts": "user\n", "team.ts": "team\n" }));
    await rm(join(out, "user.ts"));
    await symlink(join(outside, "user.ts"), join(out, "user.ts"));
    await rm(join(out, "team.ts"));
    await symlink(join(outside, "user.ts"), join(out, "team.ts"));
    await symlink(outside, join(out, "nested"));

    await expect(writeOutput(out, withHeaders({ "user.ts": "user v2\n" }))).rejects.toThrow(
      /holds user\.ts \(a symbolic link\), which cachegen did not write/,
    );
    await expect(writeOutput(out, withHeaders({ "index.ts": "index\n" }))).rejects.toThrow(
      "(nested (a symbolic link), team.ts (a symbolic link), user.ts (a symbolic link))",
    );
    await writeOutput(out, withHeaders({ "index.ts": "index\n" }), { allowOtherFiles: true });

    expect((await lstat(join(out, "user.ts"))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(out, "team.ts"))).isSymbolicLink()).toBe(true);
    expect(await readdir(outside)).toEqual(["user.ts"]);
    expect(await readFile(join(outside, "user.ts"), "utf8")).toContain("someone else's");
  });
});

describe("the manifest", () => {
  it("names no cachegen version, so an upgrade changes no committed file unless the output changes", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    for (const name of fixtureCases) {
      const { files } = await generateFixture(name);
      const manifest = JSON.parse(files.get(manifestFileName) ?? "{}") as Record<string, unknown>;
      expect(Object.keys(manifest)).toEqual(["//", "files", "schemas"]);
      for (const [path, content] of files) expect(content, path).not.toContain(version);
    }
  });

  it("every generated file starts with the header that marks it as cachegen's", async () => {
    for (const name of fixtureCases) {
      for (const [path, content] of (await generateFixture(name)).files)
        expect(hasGeneratedHeader(content), path).toBe(true);
    }
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
      const fixedSampleDates = /^(2024|2999)-01-0\dT(03:04:05|00:00:00)\.000Z$/; // 2999: an expiresAt field
      expect(
        timestamps.filter((timestamp) => !fixedSampleDates.test(timestamp)),
        path,
      ).toEqual([]);
    }
  });
});
