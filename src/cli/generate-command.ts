import { resolve } from "node:path";
import { resolveConfig, type ResolvedConfig } from "../config.js";
import { noOpRun } from "../no-op-run.js";
import type { SchemaFile } from "../schema/load.js";
import type { WriteReport } from "../write/write-output.js";
import { configOptions, parseFlags, UsageError } from "./arguments.js";
import type { Command } from "./command.js";
import { flagsOf } from "./command-table.js";
import { displayFolder, plural, printDiagnostics } from "./display.js";
import { runtimePackageProblem } from "./runtime-package.js";
import type { Terminal } from "./terminal.js";

export const generateCommand: Command = {
  name: "generate",
  async run(args, terminal) {
    const flags = parseFlags(args, flagsOf("generate"));
    const dryRun = flags["dry-run"] === true;
    const diff = flags.diff === true;
    if (diff && !dryRun) {
      throw new UsageError("--diff shows what would change: use it with --dry-run (or run `cachegen check --diff`)");
    }
    const config = await resolveConfig(configOptions(terminal.cwd, flags));
    const runtimeProblem = runtimePackageProblem(config.root);
    if (runtimeProblem !== undefined) terminal.err.line(`${terminal.err.style.yellow("warning:")} ${runtimeProblem}`);
    const options = { dryRun, diff };
    if (flags.watch) {
      const { watchSchemas } = await import("./watch.js");
      return watchSchemas(config, terminal, (started) => generateOnce(config, terminal, options, started));
    }
    if (dryRun) return generateOnce(config, terminal, options, 0);
    const { schemaFiles, upToDate } = await noOpRun(config);
    if (upToDate === undefined) return generateOnce(config, terminal, options, 0, schemaFiles);
    printSummary(terminal, {
      entities: [...upToDate.entities],
      folder: displayFolder(terminal.cwd, resolve(config.root, config.outDir)),
      report: { written: [], unchanged: upToDate.files, removed: [] },
      dryRun: false,
      ms: Math.round(performance.now()),
    });
    return 0;
  },
};

/**
 * One run. `started` is when the run began on the `performance.now()` clock: 0, the start of the
 * process, for a plain `generate`, so the time printed is the command's wall time.
 */
async function generateOnce(
  config: ResolvedConfig,
  terminal: Terminal,
  options: { dryRun: boolean; diff: boolean },
  started: number,
  schemaFiles?: SchemaFile[],
): Promise<number> {
  // Loaded here, not by the no-op path above.
  const [{ generateFromConfig }, { writeOutput }, { printDiff }] = await Promise.all([
    import("../generate.js"),
    import("../write/write-output.js"),
    import("./print-diff.js"),
  ]);
  const result = await generateFromConfig(config, schemaFiles);
  if (printDiagnostics(terminal, result.diagnostics) > 0) {
    terminal.err.line("Nothing was written.");
    return 1;
  }
  const outDir = resolve(config.root, config.outDir);
  const folder = displayFolder(terminal.cwd, outDir);
  const report = await writeOutput(outDir, result.files, {
    dryRun: options.dryRun,
    allowOtherFiles: config.allowOtherFilesInOut,
  });
  if (options.diff)
    printDiff(terminal, outDir, folder, result.files, { changed: report.written, removed: report.removed });
  const entities = result.model?.entities.map((entity) => entity.name) ?? [];
  printSummary(terminal, {
    entities,
    folder,
    report,
    dryRun: options.dryRun,
    ms: Math.round(performance.now() - started),
  });
  return 0;
}

function printSummary(
  terminal: Terminal,
  summary: { entities: string[]; folder: string; report: WriteReport; dryRun: boolean; ms: number },
): void {
  const { out } = terminal;
  const { entities, folder, report, dryRun, ms } = summary;
  const what = `${plural(entities.length, "entity", "entities")} (${entities.join(", ")})`;
  out.line(
    dryRun
      ? `Dry run: ${what}; nothing was written to ${folder} (${ms} ms)`
      : `${out.style.green("Generated")} ${what} into ${folder} in ${ms} ms`,
  );
  const [written, removed] = dryRun ? ["would write", "would remove"] : ["written", "removed"];
  out.line(`  ${written.padEnd(12)} ${listed(report.written)}`);
  out.line(`  ${"unchanged".padEnd(12)} ${report.unchanged.length}`);
  out.line(`  ${removed.padEnd(12)} ${listed(report.removed)}`);
}

function listed(paths: readonly string[]): string {
  return paths.length === 0 ? "0" : `${paths.length}: ${paths.join(", ")}`;
}
