import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuiltCli, runCli, temporaryProjects } from "./cli-harness.js";

requireBuiltCli();
const project = temporaryProjects();

describe("init", () => {
  it("writes a config and an example schema that generate accepts", async () => {
    const cwd = await project({});
    const init = await runCli(cwd, ["init"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("created  cachegen.config.json");
    expect(init.stdout).toContain("created  schemas/example.yaml");
    expect(JSON.parse(await readFile(join(cwd, "cachegen.config.json"), "utf8"))).toEqual({
      $schema: "./node_modules/@cachegen/generator/schema/config.schema.json",
      schemas: "schemas",
      out: "generated",
      keyPrefix: "app",
      tests: true,
    });
    const example = await readFile(join(cwd, "schemas", "example.yaml"), "utf8");
    expect(example.split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../node_modules/@cachegen/generator/schema/entity.schema.json",
    );
    expect((await runCli(cwd, ["generate"])).code).toBe(0);
  });

  it("never overwrites, and says what it kept", async () => {
    const cwd = await project({});
    await runCli(cwd, ["init"]);
    await writeFile(join(cwd, "cachegen.config.json"), `{ "keyPrefix": "mine" }\n`);
    await writeFile(join(cwd, "schemas", "example.yaml"), "# my edits\n");

    const again = await runCli(cwd, ["init"]);

    expect(again.code).toBe(0);
    expect(again.stdout).toContain("kept     cachegen.config.json (already exists)");
    expect(again.stdout).toContain("kept     schemas/example.yaml (already exists)");
    expect(await readFile(join(cwd, "cachegen.config.json"), "utf8")).toBe(`{ "keyPrefix": "mine" }\n`);
    expect(await readFile(join(cwd, "schemas", "example.yaml"), "utf8")).toBe("# my edits\n");
  });

  it("advises a generate that finds the configuration it wrote with --config", async () => {
    const cwd = await project({});
    const init = await runCli(cwd, ["init", "--config", "config/cachegen.json"]);
    expect(init.stdout).toContain("then run `npx cachegen generate --config config/cachegen.json`.");
    expect((await runCli(cwd, ["generate", "--config", "config/cachegen.json"])).code).toBe(0);
  });

  it("leaves a configuration in package.json alone", async () => {
    const packageJson = JSON.stringify({ name: "app", cachegen: { out: "cache" } });
    const cwd = await project({ "package.json": packageJson });
    const init = await runCli(cwd, ["init"]);
    expect(init.stdout).toContain(`kept     package.json (it has a "cachegen" configuration)`);
    expect(await readFile(join(cwd, "package.json"), "utf8")).toBe(packageJson);
  });
});
