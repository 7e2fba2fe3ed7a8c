/**
 * One application process of the stampede bench (bench/runtime/stampede.ts), started with
 * `node --import tsx` and driven over IPC: connects, builds its cache, says "ready"; on "go" issues
 * `gets` concurrent reads of one missing key, and reports its source loads and the commands its
 * client sent; the bench then kills it.
 */
import { cachified } from "@epic-web/cachified";
import { BentoCache, bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { Redis } from "ioredis";
import { ProfileRepository, type Profile } from "../generated/index.js";
import { recordCommands } from "../../test/runtime/helpers.js";
import { childInput, exitWithParent, tell, whenTold } from "../../test/support/child-side.js";
import { cachifiedCache } from "./peers.js";
import { makeProfile } from "./fixtures.js";

export interface StampedeChildInput {
  contender: "cachegen" | "bentocache" | "cachified";
  port: number;
  prefix: string;
  id: string;
  gets: number;
  loadMs: number;
}

export type StampedeChildReport = {
  type: "done";
  loads: number;
  sent: Record<string, number>;
  ms: number;
  wrong: number;
};

const input = childInput<StampedeChildInput>();
exitWithParent();

const redis = new Redis({ host: "127.0.0.1", port: input.port, lazyConnect: true, maxRetriesPerRequest: 1 });
await redis.connect();

const commands = recordCommands(redis);

let loads = 0;
async function load(): Promise<Profile> {
  loads += 1;
  await new Promise((resolve) => setTimeout(resolve, input.loadMs));
  return makeProfile(1, input.id);
}

let get: () => Promise<unknown>;
if (input.contender === "cachegen") {
  const repository = new ProfileRepository({ redis, keyPrefix: input.prefix, timeoutMs: 1_000, source: { load } });
  get = () => repository.get(input.id);
} else if (input.contender === "bentocache") {
  const bento = new BentoCache({
    default: "redis",
    prefix: input.prefix.replace(/:$/, ""),
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection: redis })) },
  });
  get = () => bento.getOrSet({ key: input.id, factory: load, ttl: "1h" });
} else {
  const cache = cachifiedCache(redis);
  get = () => cachified({ key: `${input.prefix}${input.id}`, cache, ttl: 3_600_000, getFreshValue: load });
}

void whenTold("go").then(run);
tell({ type: "ready" });

async function run(): Promise<void> {
  commands.reset();
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: input.gets }, get));
  const ms = performance.now() - started;
  const sent: Record<string, number> = {};
  for (const name of commands.names) sent[name] = (sent[name] ?? 0) + 1;
  const wrong = results.filter((r) => (r as { id?: string } | null)?.id !== input.id).length;
  const report: StampedeChildReport = { type: "done", loads, sent, ms, wrong };
  tell(report);
}
