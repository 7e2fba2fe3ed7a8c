import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { didYouMean } from "./suggest.js";
import { listNames, showValue } from "./wording.js";

/** The project's configuration, file values overridden by CLI flags, defaults filled in. */
export interface ResolvedConfig {
  /** Absolute: the folder of the configuration file, else the working directory. */
  readonly root: string;
  /** Relative to `root`, `/`-separated. */
  readonly schemasDir: string;
  /** Relative to `root`, `/`-separated. */
  readonly outDir: string;
  readonly keyPrefix: string;
  readonly tests: boolean;
  /** The output folder may hold files cachegen did not write (see `compareWithOutput`). */
  readonly allowOtherFilesInOut: boolean;
  /** The file the configuration came from, relative to `root`: `cachegen.config.json` or `package.json`. */
  readonly configFile?: string;
  /** Where `schemasDir` and `outDir` came from, for messages about them (see `describeOrigin`). */
  readonly origins: { readonly schemas: SettingOrigin; readonly out: SettingOrigin };
}

/** A flag (`--schemas`), a configuration as messages name it (`package.json "cachegen"`), or `default`. */
export type SettingOrigin = string;

/** `given with --schemas`, `set in cachegen.config.json`, `the default`. */
export function describeOrigin(origin: SettingOrigin): string {
  if (origin === "default") return "the default";
  return origin.startsWith("--") ? `given with ${origin}` : `set in ${origin}`;
}

export interface ConfigOptions {
  readonly cwd: string;
  /** `--config FILE`, relative to `cwd`. */
  readonly config?: string | undefined;
  /** `--schemas DIR`, relative to `cwd`. */
  readonly schemas?: string | undefined;
  /** `--out DIR`, relative to `cwd`. */
  readonly out?: string | undefined;
}

/** A configuration that cannot be used; the message names the file, the problem and the fix. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const CONFIG_FILE = "cachegen.config.json";

// Besides `{`, `}` and whitespace (which would break cluster hash tags and keys), glob characters
// are refused: `cachegen inspect` scans with `SCAN MATCH <keyPrefix>:...`.
const KEY_PREFIX_PATTERN = /^[^{}\s*?[\]\\]+$/;

export const configFileSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "The JSON Schema this file follows, for editors." }),
    schemas: z
      .string()
      .min(1)
      .default("schemas")
      .meta({ description: "Folder of the schema files (*.yaml, *.yml, *.json), relative to this file." }),
    out: z
      .string()
      .min(1)
      .default("generated")
      .meta({ description: "Folder of the generated code, relative to this file." }),
    keyPrefix: z
      .string()
      .regex(KEY_PREFIX_PATTERN)
      .default("app")
      .meta({ description: "Prefix of every Redis key. No whitespace, `{`, `}`, `*`, `?`, `[`, `]` or `\\`." }),
    tests: z.boolean().default(true).meta({ description: "Also generate a vitest file per entity." }),
    allowOtherFilesInOut: z.boolean().default(false).meta({
      description:
        "Let the output folder hold files cachegen did not write (it never replaces or removes them). Off by default: a folder shared with other sources is refused.",
    }),
  })
  .meta({
    title: "cachegen configuration",
    description: 'cachegen.config.json, or the "cachegen" key of package.json.',
  });

type ConfigFile = z.output<typeof configFileSchema>;

/** Reads `--config FILE`, else `cachegen.config.json`, else `"cachegen"` in package.json, else defaults; flags win. */
export async function resolveConfig(options: ConfigOptions): Promise<ResolvedConfig> {
  const cwd = path.resolve(options.cwd);
  const found = await findConfig(cwd, options.config);
  const root = found === undefined ? cwd : path.dirname(found.file);
  const values = found === undefined ? parseConfig({}, "defaults") : parseConfig(found.value, found.label);
  const projectPath = (flag: string | undefined, fromFile: string): string =>
    toPosix(path.relative(root, flag === undefined ? path.resolve(root, fromFile) : path.resolve(cwd, flag))) || ".";
  const schemasDir = projectPath(options.schemas, values.schemas);
  const outDir = projectPath(options.out, values.out);
  const fromFile = (key: "schemas" | "out") =>
    found !== undefined && isObject(found.value) && key in found.value ? found.label : "default";
  const origins = {
    schemas: options.schemas === undefined ? fromFile("schemas") : "--schemas",
    out: options.out === undefined ? fromFile("out") : "--out",
  };
  if (schemasDir === outDir) {
    // generate would write its manifest (a .json file) where schemas are read from.
    throw new ConfigError(
      `schemas (${describeOrigin(origins.schemas)}) and out (${describeOrigin(origins.out)}) are both "${schemasDir}"; generated code needs a folder of its own, e.g. "generated"`,
    );
  }
  return {
    root,
    schemasDir,
    outDir,
    keyPrefix: values.keyPrefix,
    tests: values.tests,
    allowOtherFilesInOut: values.allowOtherFilesInOut,
    ...(found !== undefined && { configFile: path.basename(found.file) }),
    origins,
  };
}

interface FoundConfig {
  /** Absolute path. */
  readonly file: string;
  /** How messages name it: `cachegen.config.json`, `package.json "cachegen"`. */
  readonly label: string;
  readonly value: unknown;
}

async function findConfig(cwd: string, explicit: string | undefined): Promise<FoundConfig | undefined> {
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    const text = await readText(file);
    if (text === undefined) throw new ConfigError(`${explicit}: no such file; check the path given to --config`);
    return { file, label: explicit, value: parseJson(text, explicit) };
  }
  const configPath = path.join(cwd, CONFIG_FILE);
  const configText = await readText(configPath);
  const packagePath = path.join(cwd, "package.json");
  const packageText = await readText(packagePath);
  const packageJson = packageText === undefined ? undefined : parseJson(packageText, "package.json");
  const inPackage = isObject(packageJson) && "cachegen" in packageJson;
  if (configText !== undefined && inPackage) {
    throw new ConfigError(
      `both ${CONFIG_FILE} and "cachegen" in package.json configure cachegen; keep one of them (delete the other), or name one with --config`,
    );
  }
  if (configText !== undefined)
    return { file: configPath, label: CONFIG_FILE, value: parseJson(configText, CONFIG_FILE) };
  if (!inPackage) return undefined;
  return { file: packagePath, label: 'package.json "cachegen"', value: packageJson.cachegen };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function parseConfig(value: unknown, label: string): ConfigFile {
  const result = configFileSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue));
  throw new ConfigError(problems.map((problem) => `${label}: ${problem}`).join("\n"));
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const property = issue.path.join(".");
  const allowed = Object.keys(configFileSchema.shape).filter((name) => !name.startsWith("$"));
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map(
        (key) => `unknown property ${showValue(key)}${didYouMean(key, allowed) || `; allowed: ${listNames(allowed)}`}`,
      );
    case "invalid_format":
      return [
        `keyPrefix ${showValue(issue.input)} must not contain whitespace, \`{\`, \`}\`, \`*\`, \`?\`, \`[\`, \`]\` or \`\\\`; use e.g. "my-app"`,
      ];
    case "too_small":
      return [`${property} must not be empty; remove it to use the default`];
    case "invalid_type":
      return [
        property === ""
          ? `must be an object such as { "schemas": "schemas", "out": "generated", "keyPrefix": "app", "tests": true }`
          : `${property} must be ${issue.expected === "boolean" ? "true or false" : `a ${issue.expected}`}, not ${showValue(issue.input)}`,
      ];
    default:
      return [`${property} ${issue.message}`];
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${label}: not valid JSON (${(error as Error).message}); fix the syntax`);
  }
}

function toPosix(relativePath: string): string {
  return relativePath.split(path.sep).join("/");
}
