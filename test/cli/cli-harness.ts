import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, inject } from "vitest";

const bin = fileURLToPath(new URL("../../bin/cachegen.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails the file's tests up front when `dist/` could not be built (see test/global-setup.ts). */
export function requireBuiltCli(): void {
  beforeAll(() => {
    const buildError = inject("cliBuildError");
    if (buildError !== undefined) throw new Error(buildError);
  });
}

/** Runs `cachegen <args>` in `cwd` as a user would, and collects its output and exit code. */
export function runCli(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => {
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Starts `cachegen <args>` in `cwd` without waiting for it, for watch mode. */
export function startCli(cwd: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
}

/** Temporary project folders, created with the given files and removed after the test file. */
export function temporaryProjects(): (files: Record<string, string>) => Promise<string> {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });
  return async (files) => {
    const folder = await mkdtemp(join(tmpdir(), "cachegen-cli-"));
    folders.push(folder);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(folder, path)), { recursive: true });
      await writeFile(join(folder, path), content);
    }
    return folder;
  };
}

export const userSchema = `entity: User
key: id
fields:
  id: uuid
  email: { type: string, format: email }
  teamId: uuid
strategy: read-through
ttl: 1h
indexes:
  byEmail: { fields: [email] }
invalidates:
  - { entity: Team, key: { id: teamId } }
`;

export const teamSchema = `entity: Team
key: id
fields:
  id: uuid
  name: string
strategy: cache-aside
ttl: 10m
`;

export const config = JSON.stringify({ schemas: "schemas", out: "generated", keyPrefix: "app", tests: true });

/** A project of the user and team schemas (and `extraFiles`), generated once. */
export async function generatedProject(
  project: (files: Record<string, string>) => Promise<string>,
  extraFiles: Record<string, string> = {},
): Promise<string> {
  const cwd = await project({
    "cachegen.config.json": config,
    "schemas/user.yaml": userSchema,
    "schemas/team.yaml": teamSchema,
    ...extraFiles,
  });
  const result = await runCli(cwd, ["generate"]);
  if (result.code !== 0) throw new Error(`cachegen generate exited ${result.code}:\n${result.stderr}`);
  return cwd;
}
