import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { requireBuiltCli, runCli } from "../cli/cli-harness.js";
import { typescriptBlocks } from "../support/markdown.js";

requireBuiltCli();
const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const tsc = join(packageRoot, "node_modules", "typescript", "bin", "tsc");

/**
 * The names README's fragments use without declaring them: the shop example's (`examples/shop/`),
 * with their real types. A block that declares or imports a name itself uses its own.
 */
function fragmentNames(): string {
  const generated = JSON.stringify(join(packageRoot, "generated", "index.js"));
  const sources = JSON.stringify(join(packageRoot, "examples", "shop", "sources.js"));
  const warmUp = JSON.stringify(join(packageRoot, "examples", "shop", "warm-up.js"));
  return `type Shop = typeof import(${generated});
declare const redis: import("ioredis").Redis;
declare const pool: import("pg").Pool;
declare const encryptionKeys: { current: string; keys: Record<string, Uint8Array> };
declare const createRepositories: Shop["createRepositories"];
declare const createShopSources: typeof import(${sources}).createShopSources;
declare const CustomerRepository: Shop["CustomerRepository"];
declare const customerSource: import(${generated}).CustomerSource;
declare const id: string;
declare const stock: import(${generated}).StockLevel;
declare const order: import(${generated}).Order;
declare const customerPages: typeof import(${warmUp}).customerPages;
declare function loadProduct(key: import(${generated}).ProductKey): Promise<import(${generated}).Product | null>;
`;
}

let app: string | undefined;
afterAll(async () => {
  if (app) await rm(app, { recursive: true, force: true });
});

describe("README.md", () => {
  it("has TypeScript blocks that compile in a new project set up as README says (strict, NodeNext)", async () => {
    const readme = await readFile(join(packageRoot, "README.md"), "utf8");
    const blocks = typescriptBlocks(readme);
    expect(blocks.length).toBeGreaterThan(0);

    // README's "own project" steps: an ESM package, `tsc --init --types node`, `cachegen init`, `cachegen generate`;
    // the installed packages are this checkout's: the runtime `cachegen` is its workspace link (to
    // packages/runtime, through that package's exports), `@cachegen/generator` the checkout itself.
    app = await mkdtemp(join(tmpdir(), "cachegen-readme-"));
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "readme-app", private: true, type: "module" }));
    await mkdir(join(app, "node_modules"));
    for (const entry of await readdir(join(packageRoot, "node_modules"))) {
      if (!entry.startsWith("."))
        await symlink(join(packageRoot, "node_modules", entry), join(app, "node_modules", entry));
    }
    await mkdir(join(app, "node_modules", "@cachegen"));
    await symlink(packageRoot, join(app, "node_modules", "@cachegen", "generator"));
    await run(process.execPath, [tsc, "--init", "--types", "node"], { cwd: app });
    for (const command of ["init", "generate"]) {
      const result = await runCli(app, [command]);
      expect(result.code, result.stderr).toBe(0);
    }

    await writeFile(join(app, "readme-fragments.d.ts"), fragmentNames());
    for (const { line, code } of blocks) await writeFile(join(app, `readme-${line}.ts`), `${code}\nexport {};\n`);
    const compiled = await run(process.execPath, [tsc, "-p", ".", "--noEmit"], { cwd: app }).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    const errors = compiled.replace(
      /^readme-(\d+)\.ts\((\d+),(\d+)\)/gm,
      (_, start: string, row: string, column: string) => `README.md:${Number(start) + Number(row) - 1}:${column}`,
    );
    expect(errors).toBe("");
  }, 120_000);
});
