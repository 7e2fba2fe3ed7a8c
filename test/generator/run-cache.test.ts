import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packName, runKeyPrefix } from "../../src/format/format-cache.js";
import { generate } from "../../src/generate.js";
import { fingerprintOf } from "../../src/run-cache.js";
import { requireBuiltCli, runCli } from "../cli/cli-harness.js";

const folders: string[] = [];

async function folder(): Promise<string> {
  const created = await mkdtemp(join(tmpdir(), "cachegen-run-cache-"));
  folders.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(folders.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

const team = "entity: Team\nkey: id\nfields: { id: uuid, name: string }\nstrategy: read-through\nttl: 1h\n";
const user =
  "entity: User\nkey: id\nfields: { id: uuid, teamId: uuid }\nstrategy: cache-aside\nttl: 5m\n" +
  "invalidates:\n  - { entity: Team, key: { id: teamId } }\n";

async function project(): Promise<string> {
  const root = await folder();
  await mkdir(join(root, "node_modules"));
  await mkdir(join(root, "schemas"));
  await writeFile(join(root, "schemas", "team.yaml"), team);
  await writeFile(join(root, "schemas", "user.yaml"), user);
  return root;
}

function packPath(root: string): string {
  return join(root, "node_modules", ".cache", "cachegen", packName);
}

async function runEntries(root: string): Promise<string[]> {
  const pack = JSON.parse(await readFile(packPath(root), "utf8"));
  return Object.keys(pack.entries).filter((key) => key.startsWith(runKeyPrefix));
}

requireBuiltCli();

describe("the run cache", () => {
  it("gives a repeated run the same files and model, frozen, and keeps one run entry", async () => {
    const root = await project();
    const first = await generate({ cwd: root });
    const again = await generate({ cwd: root });
    expect(again.files).toEqual(first.files);
    expect(again.model).toEqual(first.model);
    expect(again.sources).toEqual(first.sources);
    expect(again.diagnostics).toEqual([]);
    expect(Object.isFrozen(again.model?.entities[0]?.fields)).toBe(true);
    expect(await runEntries(root)).toHaveLength(1);
  });

  it("answers a repeated run from its entry (content planted in the entry comes back)", async () => {
    // Fresh processes, as users run them (this process's memory layer would answer before the pack).
    const root = await project();
    expect((await runCli(root, ["generate"])).code).toBe(0);
    const userFile = await readFile(join(root, "generated", "user.ts"), "utf8");
    const pack = JSON.parse(await readFile(packPath(root), "utf8")) as { entries: Record<string, string> };
    const [key] = await runEntries(root);
    const entry = JSON.parse(pack.entries[key!]!) as { files: [string, string][] };
    const userContent = entry.files.find(([path]) => path === "user.ts")![1];
    entry.files = entry.files.map(([path, content]) => [path, path === "team.ts" ? userContent : content]);
    pack.entries[key!] = JSON.stringify(entry);
    await writeFile(packPath(root), JSON.stringify(pack));
    // Without its output the project is no no-op (see no-op-run.test.ts): the full path runs.
    await rm(join(root, "generated"), { recursive: true });
    // Rebuilt (run cache unused), team.ts would be Team's again.
    const run = await runCli(root, ["generate"]);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(root, "generated", "team.ts"), "utf8")).toBe(userFile);
  });

  it("is not used once a schema or an option changes, and old run entries are not kept", async () => {
    const root = await project();
    const first = await generate({ cwd: root });
    await writeFile(join(root, "schemas", "team.yaml"), team.replace("ttl: 1h", "ttl: 2h"));
    const edited = await generate({ cwd: root });
    expect(edited.files.get("team.ts")).not.toBe(first.files.get("team.ts"));
    expect(edited.files.get("team.ts")).toContain("7_200_000");
    expect(await runEntries(root)).toHaveLength(1);

    await writeFile(join(root, "cachegen.config.json"), JSON.stringify({ keyPrefix: "other" }));
    const otherPrefix = await generate({ cwd: root });
    expect(otherPrefix.files.get("team.ts")).toContain('"other"');
  });

  it("fingerprints the generator by the content of its code and templates", async () => {
    const code = await folder();
    await mkdir(join(code, "emit"));
    await writeFile(join(code, "emit", "view.js"), "export const a = 1;\n");
    await writeFile(join(code, "emit", "view.d.ts"), "export declare const a: number;\n");
    const packageJson = join(code, "package.json");
    await writeFile(packageJson, '{ "name": "cachegen", "version": "1.0.0" }');
    const fingerprint = () => fingerprintOf([code], packageJson);

    const before = fingerprint();
    await writeFile(join(code, "emit", "view.d.ts"), "export declare const a: 1;\n");
    await writeFile(join(code, "emit", "view.js.map"), "{}");
    expect(fingerprint()).toBe(before);
    await writeFile(join(code, "emit", "view.js"), "export const a = 2;\n");
    expect(fingerprint()).not.toBe(before);
  });
});
