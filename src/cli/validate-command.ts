import { resolveConfig } from "../config.js";
import { readProject } from "../read-project.js";
import { configOptions, parseFlags } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { plural, printDiagnostics } from "./display.js";

export const validateCommand: Command = {
  name: "validate",
  async run(args, terminal) {
    const flags = parseFlags(args, flagsOf("validate"));
    const config = await resolveConfig(configOptions(terminal.cwd, flags));
    const result = await readProject(config);
    if (printDiagnostics(terminal, result.diagnostics) > 0 || !result.model) return 1;
    const entities = plural(result.model.entities.length, "entity", "entities");
    terminal.out.line(`Schemas are valid: ${entities} in ${plural(result.sources.length, "file")}.`);
    return 0;
  },
};
