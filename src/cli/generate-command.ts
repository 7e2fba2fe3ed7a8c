import { resolve } from "node:path";
import { resolveConfig, type ResolvedConfig } from "../config.js";
import { generateFromConfig } from "../generate.js";
import { writeOutput, type WriteReport } from "../write/write-output.js";
import { configOptions, parseFlags, projectFlags } from "./arguments.js";
import type { Command } from "./command.js";
import { displayFolder, plural, printDiagnostics } from "./display.js";
import type { Terminal } from "./terminal.js";
import { watchSchemas } from "./watch.js";

export const generateCommand: Command = {
  name: "generate",
  synopsis: "generate [--watch] [--dry-run]",
  summary: "validate the schemas and write the generated files that changed",
  async run(args, terminal) {
    const flags = parseFlags(args, {
      ...projectFlags,
      watch: { type: "boolean" },
      "dry-run": { type: "boolean" },
    });
    const config = await resolveConfig(configOptions(terminal.cwd, flags));
    const regenerate = () => generateOnce(config, terminal, flags["dry-run"] === true);
    return flags.watch ? watchSchemas(config, terminal, regenerate) : regenerate();
  },
};

async function generateOnce(config: ResolvedConfig, terminal: Terminal, dryRun: boolean): Promise<number> {
  const started = performance.now();
  const result = await generateFromConfig(config);
  if (printDiagnostics(terminal, result.diagnostics) > 0) {
    terminal.err.line("Nothing was written.");
    return 1;
  }
  const outDir = resolve(config.root, config.outDir);
  const report = await writeOutput(outDir, result.files, { dryRun, allowOtherFiles: config.allowOtherFilesInOut });
  const entities = result.model?.entities.map((entity) => entity.name) ?? [];
  printSummary(terminal, {
    entities,
    folder: displayFolder(terminal.cwd, outDir),
    report,
    dryRun,
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
