// One application process: a Team repository on its own Redis connection, whose source counts its
// loads in Redis. On "go" it issues `rounds` x `concurrentGets` gets of one key and reports.
import { performance } from "node:perf_hooks";
import { Repository } from "cachegen/runtime";
import type { Team, TeamKey, TeamSource } from "../../fixtures/valid/full-featured-read-through/expected/team.js";
import { childInput, connectChildRedis, exitWithParent, tell, whenTold } from "../../support/child-side.js";
import { sleep } from "../../support/wait.js";
import { loadedTeam, teamDefinition, type FromReader, type TeamReaderInput } from "./team-reader-protocol.js";

const input = childInput<TeamReaderInput>();
const report = (message: FromReader): void => tell(message);
exitWithParent();

const redis = await connectChildRedis(input);

const source: TeamSource = {
  async load(key: TeamKey): Promise<Team> {
    const load = await redis.incr(input.loadCounterKey);
    report({ type: "loading", load, at: Date.now() });
    if (input.hangInLoad) await new Promise(() => undefined);
    await sleep(input.loadMs);
    return loadedTeam(key.id, load);
  },
};

let reportedWait = false;
const repository = new Repository(teamDefinition(input), {
  redis,
  source,
  keyPrefix: input.keyPrefix,
  leaseTtlMs: input.leaseTtlMs,
  timeoutMs: input.timeoutMs,
  onEvent: (event) => {
    if (event.type !== "lease-wait" || reportedWait) return;
    reportedWait = true;
    report({ type: "waiting" });
  },
});

async function timedGet(): Promise<{ name: string; ms: number }> {
  const started = performance.now();
  const team = await repository.get(input.id);
  return { name: team?.name ?? "null", ms: performance.now() - started };
}

report({ type: "ready" });
await whenTold("go");
const names = new Set<string>();
let slowestGetMs = 0;
for (let round = 0; round < input.rounds; round++) {
  const results = await Promise.all(Array.from({ length: input.concurrentGets }, timedGet));
  for (const { name, ms } of results) {
    names.add(name);
    slowestGetMs = Math.max(slowestGetMs, ms);
  }
}
report({ type: "done", stats: repository.stats(), names: [...names], slowestGetMs, finishedAt: Date.now() });
