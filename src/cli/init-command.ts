import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { readTemplateFile } from "../emit/templates.js";
import { parseFlags } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { displayPath } from "./display.js";
import { projectFlagsGiven } from "./shell-words.js";
import type { Terminal } from "./terminal.js";

const defaultConfigFile = "cachegen.config.json";

export const initCommand: Command = {
  name: "init",
  async run(args, terminal) {
    const flags = parseFlags(args, flagsOf("init"));
    const configFile = resolve(terminal.cwd, flags.config ?? defaultConfigFile);
    const schemas = flags.schemas ?? "schemas";
    const exampleFile = resolve(dirname(configFile), schemas, "example.yaml");
    const config = {
      $schema: editorSchemaPath(dirname(configFile), terminal.cwd, "config.schema.json"),
      schemas,
      out: flags.out ?? "generated",
      keyPrefix: "app",
      tests: true,
    };
    const entitySchema = editorSchemaPath(dirname(exampleFile), terminal.cwd, "entity.schema.json");
    const example = `# yaml-language-server: $schema=${entitySchema}\n${readTemplateFile("example.yaml")}`;

    if (flags.config === undefined && (await packageJsonHasConfig(terminal.cwd))) {
      terminal.out.line(`kept     package.json (it has a "cachegen" configuration)`);
    } else {
      await createUnlessPresent(terminal, configFile, `${JSON.stringify(config, null, 2)}\n`);
    }
    await createUnlessPresent(terminal, exampleFile, example);
    terminal.out.line();
    terminal.out.line(
      `Next: edit ${displayPath(terminal.cwd, exampleFile)}, then run \`npx cachegen generate${projectFlagsGiven({ config: flags.config })}\`.`,
    );
    return 0;
  },
};

/**
 * Where editors find the JSON Schemas, relative to `fromDir`: they ship in the generator package
 * (the development dependency, which knows the schema language), installed in the project.
 */
function editorSchemaPath(fromDir: string, projectRoot: string, schemaFile: string): string {
  const target = join(projectRoot, "node_modules", "@cachegen", "generator", "schema", schemaFile);
  const path = relative(fromDir, target).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

async function createUnlessPresent(terminal: Terminal, path: string, content: string): Promise<void> {
  const shown = displayPath(terminal.cwd, path);
  if (existsSync(path)) {
    terminal.out.line(`kept     ${shown} (already exists)`);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { flag: "wx" });
  terminal.out.line(`created  ${shown}`);
}

async function packageJsonHasConfig(cwd: string): Promise<boolean> {
  try {
    const packageJson: unknown = JSON.parse(await readFile(join(cwd, "package.json"), "utf8"));
    return typeof packageJson === "object" && packageJson !== null && "cachegen" in packageJson;
  } catch {
    return false;
  }
}
