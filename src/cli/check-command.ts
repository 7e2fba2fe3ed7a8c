import { resolve } from "node:path";
import { resolveConfig } from "../config.js";
import { noOpRun } from "../no-op-run.js";
import { compareWithOutput } from "../write/output-folder.js";
import { configOptions, parseFlags } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { displayFolder, plural, printDiagnostics } from "./display.js";
import { projectFlagsGiven } from "./shell-words.js";

export const checkCommand: Command = {
  name: "check",
  async run(args, terminal) {
    const flags = parseFlags(args, flagsOf("check"));
    const config = await resolveConfig(configOptions(terminal.cwd, flags));
    const { schemaFiles, upToDate } = await noOpRun(config);
    const outDir = resolve(config.root, config.outDir);
    const folder = displayFolder(terminal.cwd, outDir);
    // With --diff there is nothing to print either, but the full path prints it.
    if (upToDate !== undefined && flags.diff !== true) {
      terminal.out.line(upToDateLine(folder, upToDate.entities.length, upToDate.files.length));
      return 0;
    }
    // Loaded here, not by the no-op path above.
    const [{ generateFromConfig }, { printDiff }, { entityFilePath, entityTestFilePath }] = await Promise.all([
      import("../generate.js"),
      import("./print-diff.js"),
      import("../emit/names.js"),
    ]);
    const result = await generateFromConfig(config, schemaFiles);
    if (printDiagnostics(terminal, result.diagnostics) > 0 || !result.model) {
      terminal.err.line("The generated files cannot be checked until the schemas are fixed.");
      return 1;
    }
    const { model } = result;
    /** Which schema a generated file comes from, so a drift report points at the edit behind it. */
    const ownerOf = (path: string): string => {
      const entity = model.entities.find(
        (candidate) => entityFilePath(candidate) === path || entityTestFilePath(candidate) === path,
      );
      return entity ? `${entity.name} (${entity.sourceFile})` : "all entities";
    };
    const comparison = await compareWithOutput(outDir, result.files, { allowOtherFiles: config.allowOtherFilesInOut });
    const drift = [
      ...comparison.differ.map((path) => ({ status: "differs", path, owner: ownerOf(path) })),
      ...comparison.missing.map((path) => ({ status: "missing", path, owner: ownerOf(path) })),
      ...comparison.stale.map((path) => ({ status: "stale", path, owner: "no longer generated" })),
    ];
    const { out } = terminal;
    if (flags.diff) {
      const changed = [...comparison.differ, ...comparison.missing];
      printDiff(terminal, outDir, folder, result.files, { changed, removed: comparison.stale });
    }
    if (drift.length === 0) {
      out.line(upToDateLine(folder, model.entities.length, result.files.size));
      return 0;
    }
    out.line(`${out.style.red(`${folder} is out of date`)}: ${plural(drift.length, "file")} would change.`);
    const width = Math.max(...drift.map((file) => file.path.length));
    for (const file of drift) out.line(`  ${file.status.padEnd(8)} ${file.path.padEnd(width)}  ${file.owner}`);
    out.line(`Run \`npx cachegen generate${projectFlagsGiven(flags)}\` to update them.`);
    return 1;
  },
};

function upToDateLine(folder: string, entities: number, files: number): string {
  return `${folder} is up to date (${plural(entities, "entity", "entities")}, ${plural(files, "file")}).`;
}
