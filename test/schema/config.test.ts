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

  test("reports a file that is not JSON", async () => {
    await write("cachegen.config.json", "{ schemas: 'x' }");
    expect(await configError({ cwd })).toMatch(/^cachegen\.config\.json: not valid JSON \(.+\); fix the syntax$/);
  });

  test("refuses one folder for schemas and generated code", async () => {
    expect(await configError({ cwd, schemas: "cache", out: "./cache/" })).toBe(
      'schemas (given with --schemas) and out (given with --out) are both "cache"; generated code needs a folder of its own, e.g. "generated"',
    );
  });
});
