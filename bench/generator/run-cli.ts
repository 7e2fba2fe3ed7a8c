import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const probe = pathToFileURL(fileURLToPath(new URL("./usage-probe.mjs", import.meta.url))).href;

/** One run of the CLI in a fresh process, as a user runs it. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, as the parent saw it: node's start and module loading included. */
  readonly wallMs: number;
  /** Peak resident memory of the whole process (worker threads included). */
  readonly maxRssMb: number;
  /** User + system CPU time: shows whether wall time was lost to other load on the machine. */
  readonly cpuMs: number;
}

/** Runs `node <bin> <args>` in `cwd`; `env` is added to this process's environment. */
export async function runCli(
  bin: string,
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const scratch = await mkdtemp(join(tmpdir(), "cachegen-bench-usage-"));
  const usageFile = join(scratch, "usage.json");
  try {
    const started = performance.now();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ["--import", probe, bin, ...args], {
          cwd,
          env: { ...process.env, NO_COLOR: "1", ...env, CACHEGEN_BENCH_USAGE: usageFile },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
        child.on("error", reject);
        child.on("close", (exitCode) => resolve({ code: exitCode ?? -1, stdout: out, stderr: err }));
      },
    );
    const wallMs = performance.now() - started;
    const usage = JSON.parse(await readFile(usageFile, "utf8")) as {
      maxRssKb: number;
      userMs: number;
      systemMs: number;
    };
    return { code, stdout, stderr, wallMs, maxRssMb: usage.maxRssKb / 1024, cpuMs: usage.userMs + usage.systemMs };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
