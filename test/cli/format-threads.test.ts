import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/generate.js";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects, userSchema } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

describe("formatting in worker threads", () => {
  const previous = process.env.CACHEGEN_FORMAT_THREADS;
  beforeAll(() => {
    process.env.CACHEGEN_FORMAT_THREADS = "2";
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.CACHEGEN_FORMAT_THREADS;
    else process.env.CACHEGEN_FORMAT_THREADS = previous;
  });

  it("writes exactly what formatting in one thread gives", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/user.yaml": userSchema,
      "schemas/team.yaml": teamSchema,
      // node_modules/ holds the format cache: a project without one formats every file every run.
    });
    const result = await runCli(cwd, ["generate"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    // From src/, which has no compiled worker: formatted in this thread.
    const expected = await generate({ cwd });
    expect(expected.files.size).toBe(7);
    for (const [path, content] of expected.files) {
      expect(await readFile(join(cwd, "generated", path), "utf8"), path).toBe(content);
    }
  });

  it("really formats in the threads (the comparison above would pass on the in-thread fallback too)", async () => {
    // The built pool: its compiled worker script sits next to it in dist/.
    const built = new URL("../../dist/format/format-pool.js", import.meta.url).href;
    const { FormatPool } = (await import(built)) as typeof import("../../src/format/format-pool.js");
    const pool = new FormatPool();
    try {
      const tasks = ["const a = {x:1}", "const b = [1,2]", "let c = 'q'"].map((text) => ({
        text,
        language: "typescript" as const,
      }));
      expect(await pool.format(tasks, 2)).toEqual(["const a = { x: 1 };\n", "const b = [1, 2];\n", 'let c = "q";\n']);
      expect(pool.formattedInWorkers).toBe(3);
    } finally {
      await pool.close();
    }
  });
});
