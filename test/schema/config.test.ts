import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config.js";

let cwd: string;

beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), "cachegen-config-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function write(relativePath: string, content: unknown): Promise<void> {
  const file = path.join(cwd, relativePath);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
}

async function configError(options: Parameters<typeof resolveConfig>[0]): Promise<string> {
  const error = await resolveConfig(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe("resolveConfig", () => {
  test("uses the defaults without a configuration", async () => {
    expect(await resolveConfig({ cwd })).toEqual({
      root: cwd,
      schemasDir: "schemas",
      outDir: "generated",
      keyPrefix: "app",
      tests: true,
      allowOtherFilesInOut: false,
      origins: { schemas: "default", out: "default" },
    });
  });

  test("reads cachegen.config.json", async () => {
    await write("cachegen.config.json", {
      $schema: "node_modules/cachegen/schema/config.schema.json",
      schemas: "./cache/schemas/",
      out: "src/cache",
      keyPrefix: "shop",
      tests: false,
    });
    expect(await resolveConfig({ cwd })).toEqual({
      root: cwd,
      schemasDir: "cache/schemas",
      outDir: "src/cache",
      keyPrefix: "shop",
      tests: false,
      allowOtherFilesInOut: false,
      configFile: "cachegen.config.json",
      origins: { schemas: "cachegen.config.json", out: "cachegen.config.json" },
    });
  });

  test("reads the cachegen key of package.json, and refuses it beside cachegen.config.json", async () => {
    await write("package.json", { name: "app", cachegen: { keyPrefix: "from-package" } });
    expect(await resolveConfig({ cwd })).toMatchObject({ keyPrefix: "from-package", configFile: "package.json" });
    await write("cachegen.config.json", { keyPrefix: "from-config" });
    expect(await configError({ cwd })).toBe(
      'both cachegen.config.json and "cachegen" in package.json configure cachegen; keep one of them (delete the other), or name one with --config',
    );
    expect(await resolveConfig({ cwd, config: "cachegen.config.json" })).toMatchObject({ keyPrefix: "from-config" });
  });

  test("ignores a package.json without a cachegen key", async () => {
    await write("package.json", { name: "app" });
    expect(await resolveConfig({ cwd })).not.toHaveProperty("configFile");
  });

  test("lets flags override the file; flag paths are relative to cwd, results to the config's folder", async () => {
    await write("config/cachegen.config.json", { schemas: "defs", out: "gen", keyPrefix: "k" });
    const config = await resolveConfig({ cwd, config: "config/cachegen.config.json", out: "build/cache" });
    expect(config).toEqual({
      root: path.join(cwd, "config"),
      schemasDir: "defs",
      outDir: "../build/cache",
      keyPrefix: "k",
      tests: true,
      allowOtherFilesInOut: false,
      configFile: "cachegen.config.json",
      origins: { schemas: "config/cachegen.config.json", out: "--out" },
    });
  });

  test("names a missing --config file", async () => {
    expect(await configError({ cwd, config: "nope.json" })).toBe(
      "nope.json: no such file; check the path given to --config",
    );
  });

  test("names the file, the problem and the fix for each bad value", async () => {
    await write("cachegen.config.json", { keyPrefix: "my app", tets: false, out: "" });
    expect(await configError({ cwd })).toBe(
      [
        "cachegen.config.json: out must not be empty; remove it to use the default",
        'cachegen.config.json: keyPrefix "my app" must not contain whitespace, `{`, `}`, `*`, `?`, `[`, `]` or `\\`; use e.g. "my-app"',
        'cachegen.config.json: unknown property "tets"; did you mean `tests`?',
      ].join("\n"),
    );
  });

  test.each(["a{b}", "app*", "tab\there"])("refuses keyPrefix %j", async (keyPrefix) => {
    await write("cachegen.config.json", { keyPrefix });
    expect(await configError({ cwd })).toContain("must not contain");
  });

  test("reports wrong types in package.json under its key", async () => {
    await write("package.json", { cachegen: { tests: "yes" } });
    expect(await configError({ cwd })).toBe('package.json "cachegen": tests must be true or false, not "yes"');
  });

  test("reports a file that is not JSON at file:line:column, saying what to write", async () => {
    await write("cachegen.config.json", "{ schemas: 'x' }");
    expect(await configError({ cwd })).toBe(
      'cachegen.config.json:1:3: JSON syntax error: property names take double quotes in JSON: write `"schemas"`',
    );
    await write("cachegen.config.json", '{\n  "schemas": "schemas",\n  "keyPrefix": "app"\n  "tests": true\n}\n');
    expect(await configError({ cwd })).toBe(
      "cachegen.config.json:3:21: JSON syntax error: missing `,` here, before the next property",
    );
    await write("cachegen.config.json", '{\n  "schemas": "schemas",\n}\n');
    expect(await configError({ cwd })).toBe(
      "cachegen.config.json:2:23: JSON syntax error: trailing comma: JSON allows no `,` before `}`; remove it",
    );
    await write("cachegen.config.json", '{\n  // the app\'s\n  "out": "gen"\n}\n');
    expect(await configError({ cwd })).toBe("cachegen.config.json:2:3: JSON syntax error: JSON has no comments; remove it");
    await write("cachegen.config.json", "");
    expect(await configError({ cwd })).toMatch(/^cachegen\.config\.json:1:1: JSON syntax error: the file is empty; write an object/);
  });

  test("places a JSON error in package.json and in a file given with --config", async () => {
    await write("package.json", '{\n  "name": "app",\n  "cachegen": { "out": "gen" }}\n}\n');
    expect(await configError({ cwd })).toBe(
      "package.json:4:1: JSON syntax error: unmatched `}`: nothing open here to close; remove it",
    );
    await write("package.json", '{ "name": "app" } "cachegen"');
    expect(await configError({ cwd })).toBe(
      "package.json:1:19: JSON syntax error: text after the end of the JSON value; the file holds one object",
    );
    await rm(path.join(cwd, "package.json"));
    await write("config/cache.json", '{ "out": "gen"');
    expect(await configError({ cwd, config: "config/cache.json" })).toBe(
      "config/cache.json:1:1: JSON syntax error: `{` is never closed; add `}` where it ends",
    );
  });

  test("reads a configuration that starts with a byte order mark", async () => {
    await write("cachegen.config.json", '\uFEFF{ "out": "gen" }');
    expect((await resolveConfig({ cwd })).outDir).toBe("gen");
  });

  test("refuses one folder for schemas and generated code", async () => {
    expect(await configError({ cwd, schemas: "cache", out: "./cache/" })).toBe(
      'schemas (given with --schemas) and out (given with --out) are both "cache"; generated code needs a folder of its own, e.g. "generated"',
    );
  });
});
