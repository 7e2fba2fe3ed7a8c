import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { config, requireBuiltCli, runCli, teamSchema, temporaryProjects } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

/** Blocks the process for this long before cachegen's own code loads, as a slow start would. */
const slowStartMs = 1500;
const slowStart = `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${slowStartMs});\n`;

describe("the time generate prints", () => {
  it("is the wall time of the command, its start included", async () => {
    const cwd = await project({
      "cachegen.config.json": config,
      "schemas/team.yaml": teamSchema,
      "slow-start.mjs": slowStart,
    });
    const preload = `--import=${pathToFileURL(join(cwd, "slow-start.mjs")).href}`;
    for (const args of [["generate"], ["generate"], ["generate", "--dry-run"]]) {
      const started = performance.now();
      const result = await runCli(cwd, args, { NODE_OPTIONS: preload });
      const elapsed = performance.now() - started;
      expect(result.code, result.stderr).toBe(0);
      const printed = Number(/(?:in|\() ?(\d+) ms\)?$/m.exec(result.stdout)?.[1]);
      expect(printed, result.stdout).toBeGreaterThanOrEqual(slowStartMs);
      expect(printed).toBeLessThanOrEqual(elapsed);
    }
  });
});
