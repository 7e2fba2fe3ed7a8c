import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { config, requireBuiltCli, startCli, teamSchema, temporaryProjects } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

describe("generate --watch", () => {
  it("regenerates on change, reports a bad edit and keeps watching, exits 0 on Ctrl-C", async () => {
    const cwd = await project({ "cachegen.config.json": config, "schemas/team.yaml": teamSchema });
    const watcher = startCli(cwd, ["generate", "--watch"]);
    let stdout = "";
    let stderr = "";
    watcher.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    watcher.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const waitFor = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 10_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const schema = join(cwd, "schemas", "team.yaml");
    try {
      await waitFor(() => stdout.includes("Watching schemas/"), "the first run");

      await writeFile(schema, teamSchema.replace("ttl: 10m", "ttl: soon"));
      await waitFor(() => stderr.includes("error:"), "the schema error");
      expect(stderr).toMatch(/^schemas\/team\.yaml:\d+:\d+: error: .*soon/m);

      await writeFile(schema, teamSchema.replace("ttl: 10m", "ttl: 20m"));
      await waitFor(() => stdout.match(/^Generated/gm)?.length === 2, "the run after the fix");
      expect(await readFile(join(cwd, "generated", "team.ts"), "utf8")).toContain("ttlMs: 1_200_000");

      watcher.kill("SIGINT");
      const [code] = await once(watcher, "exit");
      expect(code).toBe(0);
    } finally {
      watcher.kill("SIGKILL");
    }
  });
});
