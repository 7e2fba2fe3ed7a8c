import { readFile } from "node:fs/promises";
import path from "node:path";
import { plainConfig, type ConfigFile } from "./config-values.js";

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

/** Reads `--config FILE`, else `cachegen.config.json`, else `"cachegen"` in package.json, else defaults; flags win. */
export async function resolveConfig(options: ConfigOptions): Promise<ResolvedConfig> {
  const cwd = path.resolve(options.cwd);
  const found = await findConfig(cwd, options.config);
  const root = found === undefined ? cwd : path.dirname(found.file);
  const values = await (found === undefined ? parseConfig({}, "defaults") : parseConfig(found.value, found.label));
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
    return { file, label: explicit, value: await parseJson(text, explicit) };
  }
  const configPath = path.join(cwd, CONFIG_FILE);
  const configText = await readText(configPath);
  const packagePath = path.join(cwd, "package.json");
  const packageText = await readText(packagePath);
  const packageJson = packageText === undefined ? undefined : await parseJson(packageText, "package.json");
  const inPackage = isObject(packageJson) && "cachegen" in packageJson;
  if (configText !== undefined && inPackage) {
    throw new ConfigError(
      `both ${CONFIG_FILE} and "cachegen" in package.json configure cachegen; keep one of them (delete the other), or name one with --config`,
    );
  }
  if (configText !== undefined)
    return { file: configPath, label: CONFIG_FILE, value: await parseJson(configText, CONFIG_FILE) };
  if (!inPackage) return undefined;
  return { file: packagePath, label: 'package.json "cachegen"', value: packageJson.cachegen };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * The configuration's values with defaults filled in. A configuration that is already valid (every
 * run but the one after an edit) is read without loading zod, which costs a no-op run a tenth of its
 * time; anything else goes through the zod schema (`config-schema.ts`), which words the problems.
 */
async function parseConfig(value: unknown, label: string): Promise<ConfigFile> {
  return plainConfig(value) ?? (await import("./config-schema.js")).parseConfigFile(value, label);
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The file's JSON value. What `JSON.parse` refuses is read again by the schema files' strict
 * parser, loaded only then: it places the error at file:line:column and says what to write
 * instead (`JSON.parse` says "at position 71"), and it allows a byte order mark.
 */
async function parseJson(text: string, label: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    const [{ parseJsonText }, { positionsIn }] = await Promise.all([
      import("./schema/json-text.js"),
      import("./schema/locate.js"),
    ]);
    const parsed = parseJsonText(text, configFileWording);
    if (parsed.error === undefined) return parsed.value;
    const { line, column } = positionsIn(text)(parsed.error.offset);
    throw new ConfigError(`${label}:${line}:${column}: JSON syntax error: ${parsed.error.message}`);
  }
}

const configFileWording = {
  empty:
    'the file is empty; write an object such as `{ "schemas": "schemas", "out": "generated" }`, or delete the file to use the defaults',
  oneValue: "the file holds one object",
  comments: "remove it",
};

function toPosix(relativePath: string): string {
  return relativePath.split(path.sep).join("/");
}
