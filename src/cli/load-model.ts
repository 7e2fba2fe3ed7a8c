import { resolveConfig, type ResolvedConfig } from "../config.js";
import type { ProjectModel } from "../model/model.js";
import { readProject } from "../read-project.js";
import { configOptions } from "./arguments.js";
import { printDiagnostics } from "./display.js";
import type { Terminal } from "./terminal.js";

/**
 * The configuration and the model of the project, for the commands that work from valid schemas;
 * undefined (after printing every schema error) when the schemas have errors.
 */
export async function loadModel(
  terminal: Terminal,
  flags: { config?: string | undefined; schemas?: string | undefined; out?: string | undefined },
  command: string,
): Promise<{ config: ResolvedConfig; model: ProjectModel } | undefined> {
  const config = await resolveConfig(configOptions(terminal.cwd, flags));
  const result = await readProject(config);
  if (printDiagnostics(terminal, result.diagnostics) > 0 || !result.model) {
    terminal.err.line(`cachegen ${command} works from valid schemas; fix the errors above first.`);
    return undefined;
  }
  return { config, model: result.model };
}
