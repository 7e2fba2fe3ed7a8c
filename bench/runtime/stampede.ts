/**
 * Stampede: 1000 concurrent misses of one key, in one process and across 4 processes (250 each),
 * for the generated repository, bentocache (L2 only) and cachified. Reports source loads and Redis
 * commands: what the clients sent, and INFO commandstats on a redis-server of the bench's own
 * (server-wide counts, so the shared Redis, busy with other clients, cannot be used), which also
 * counts the commands Lua scripts run.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { BenchRow, BenchSection } from "../report.js";
import type { BenchContext } from "../lib/context.js";
import { TsChild } from "../../test/support/child-process.js";
import { commandStats, diffStats, SpawnedRedis } from "../../test/support/redis-server.js";
import type { StampedeChildInput, StampedeChildReport } from "./stampede-child.js";

const REQUESTS = 1000;
const LOAD_MS = 50;
const CONTENDERS = ["cachegen", "bentocache", "cachified"] as const;
const SCENARIOS = [1, 4] as const;
const program = "bench/runtime/stampede-child.ts";
/** Children start `node --import tsx` on a possibly loaded machine: give them time. */
const CHILD_TIMEOUT_MS = 60_000;

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
}

export async function runStampedeBench(ctx: BenchContext): Promise<BenchSection[]> {
  let server: SpawnedRedis | undefined;
  const notes: string[] = [];
  try {
    server = await SpawnedRedis.start();
  } catch (error) {
    notes.push(
      `No private redis-server (${(error as Error).message}): counts are from the shared Redis and include other clients' commands.`,
    );
  }
  const port = server?.port ?? ctx.redisUrl.port;
  const admin = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  await admin.connect();
  const rows: BenchRow[] = [];
  const outcome = new Map<string, { loads: number; commands: number; sent: number }>();
  try {
    for (const contender of CONTENDERS) {
      for (const processes of SCENARIOS) {
        ctx.log(`stampede: ${contender}, ${processes} process(es)`);
        const id = randomUUID();
        const input: StampedeChildInput = {
          contender,
          port,
          prefix: `${ctx.prefix}stampede:${contender}:${processes}:`,
          id,
          gets: REQUESTS / processes,
          loadMs: LOAD_MS,
        };
        const children = Array.from({ length: processes }, () =>
          TsChild.start<{ type: "go" }, { type: "ready" } | StampedeChildReport>(program, input),
        );
        try {
          await Promise.all(children.map((c) => c.next("ready", CHILD_TIMEOUT_MS)));
          const before = await commandStats(admin);
          for (const c of children) c.send({ type: "go" });
          const reports = await Promise.all(children.map((c) => c.next("done", CHILD_TIMEOUT_MS)));
          const after = await commandStats(admin);
          const delta = diffStats(before, after);
          const sent: Record<string, number> = {};
          for (const r of reports) for (const [name, n] of Object.entries(r.sent)) sent[name] = (sent[name] ?? 0) + n;
          const sentTotal = Object.values(sent).reduce((a, b) => a + b, 0);
          const serverTotal = Object.values(delta).reduce((a, b) => a + b, 0);
          const loads = reports.reduce((a, r) => a + r.loads, 0);
          const wrong = reports.reduce((a, r) => a + r.wrong, 0);
          if (wrong) throw new Error(`stampede: ${contender} returned ${wrong} wrong values`);
          outcome.set(`${contender}/${processes}`, { loads, commands: serverTotal, sent: sentTotal });
          rows.push({
            name: contender,
            processes,
            requests: REQUESTS,
            "source loads": loads,
            "commands sent": sentTotal,
            "Redis commands (commandstats)": serverTotal,
            "sent, by command": describeCounts(sent),
            "slowest process (ms)": Math.round(Math.max(...reports.map((r) => r.ms))),
          });
        } finally {
          await Promise.all(children.map((c) => c.kill()));
        }
      }
    }
  } finally {
    admin.disconnect();
    await server?.stop();
  }
  const one = outcome.get("cachegen/1");
  const four = outcome.get("cachegen/4");
  const loadsMet = one?.loads === 1 && four?.loads === 1;
  const commandsMet = (four?.commands ?? Infinity) <= 40;
  notes.unshift(
    `Goal: 1 source load in one process and across 4: ${loadsMet ? "met" : "NOT met"} (${one?.loads} and ${four?.loads}).`,
    `Goal: <= 40 Redis commands in all for the 4-process case: ${commandsMet ? "met" : "NOT met"} (${four?.commands} in commandstats, which counts each EVALSHA and every command its script runs; ${four?.sent} sent by the clients).`,
    `${REQUESTS} concurrent gets of one missing key split evenly over the processes (child processes, \`node --import tsx\`, one ioredis connection each); the source takes ${LOAD_MS} ms. Each process's connection setup is before the counting starts.`,
    "cachegen: in-process coalescing (one fetch per process), the lease taken in Redis makes one process load, the others poll for the fill (a GET each at 8, 24, 56, 120 ms, ...; after 160 ms an `acquire`, which takes a dead holder's lease over). bentocache and cachified coalesce in-process only.",
  );
  return [{ title: "Stampede: 1000 concurrent misses of one key", rows, notes }];
}
