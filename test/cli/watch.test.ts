import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { config, requireBuiltCli, startCli, teamSchema, temporaryProjects, userSchema } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();
const run = promisify(execFile);

/** ttlMs of the generated Team for a `ttl` in minutes, as the generated file writes it. */
const ttlMarker = (minutes: number) => `ttlMs: ${(minutes * 60_000).toLocaleString("en-US").replaceAll(",", "_")}`;

describe("generate --watch", () => {
  it("regenerates after atomic saves, in-place writes, sed -i, new and deleted files, subfolders and a broken edit", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const watcher = startCli(cwd, ["generate", "--watch"]);
    let stdout = "";
    let stderr = "";
    watcher.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    watcher.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const waitFor = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!condition()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const schemas = join(cwd, "schemas");
    const schema = join(schemas, "team.yaml");
    const generatedTeam = () => readFile(join(cwd, "generated", "team.ts"), "utf8").catch(() => "");
    let team = "";
    const waitForTtl = async (minutes: number, what: string) => {
      await waitFor(() => team.includes(ttlMarker(minutes)), what);
    };
    const refresh = setInterval(() => void generatedTeam().then((text) => (team = text)), 25);
    const withTtl = (minutes: number) => teamSchema.replace("ttl: 10m", `ttl: ${minutes}m`);
    const atomicSave = async (path: string, text: string) => {
      await writeFile(`${path}.tmp-save`, text);
      await rename(`${path}.tmp-save`, path);
    };
    const runs = () => stdout.match(/^Change detected/gm)?.length ?? 0;
    try {
      await waitFor(() => stdout.includes("Watching schemas/"), "the first run");
      await waitForTtl(10, "the first run's output");

      await atomicSave(schema, withTtl(20));
      await waitForTtl(20, "a run after an editor's atomic save (write, then rename over the schema)");

      await writeFile(schema, withTtl(30));
      await waitForTtl(30, "a run after an in-place write that follows the atomic save");

      await run("sed", ["-i", "s/ttl: 30m/ttl: 40m/", schema]);
      await waitForTtl(40, "a run after sed -i");

      await writeFile(schema, withTtl(50));
      await waitForTtl(50, "a run after an in-place write that follows sed -i");

      await writeFile(join(schemas, "user.yaml"), userSchema);
      await waitFor(() => existsSync(join(cwd, "generated", "user.ts")), "a run after a new schema file");

      await rm(join(schemas, "user.yaml"));
      await waitFor(() => !existsSync(join(cwd, "generated", "user.ts")), "a run after a schema file was deleted");

      await writeFile(schema, teamSchema.replace("ttl: 10m", "ttl: soon"));
      await waitFor(() => /^schemas\/team\.yaml:\d+:\d+: error: .*soon/m.test(stderr), "the broken schema's error");
      await atomicSave(schema, withTtl(60));
      await waitForTtl(60, "a run after the broken schema was fixed");

      const before = runs();
      await mkdir(join(schemas, "more"));
      await writeFile(join(schemas, "more", "extra.yaml"), "entity: Extra\n");
      await waitFor(() => runs() > before, "a run after a file in a new subfolder");
      const afterNew = runs();
      await writeFile(join(schemas, "more", "extra.yaml"), "entity: Extra\nkey: id\n");
      await waitFor(() => runs() > afterNew, "a run after an edit in the subfolder");

      watcher.kill("SIGINT");
      const [code] = await once(watcher, "exit");
      expect(code).toBe(0);
    } finally {
      clearInterval(refresh);
      watcher.kill("SIGKILL");
    }
  });
});
