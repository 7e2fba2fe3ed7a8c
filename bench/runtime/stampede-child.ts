/**
 * One application process of the stampede bench (bench/runtime/stampede.ts), started with
 * `node --import tsx` and driven over IPC: connects, builds its cache, says "ready"; on "go" issues
 * `gets` concurrent reads of one missing key, and reports its source loads and the commands its
 * client sent; on "exit" disconnects.
 */
import { cachified } from "@epic-web/cachified";
import { BentoCache, bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { Redis } from "ioredis";
import { ProfileRepository, type Profile } from "../generated/index.js";
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

const input = JSON.parse(process.argv[2]!) as StampedeChildInput;
const send = (message: unknown): void => void process.send?.(message);
process.on("disconnect", () => process.exit(0));

const redis = new Redis({ host: "127.0.0.1", port: input.port, lazyConnect: true, maxRetriesPerRequest: 1 });
await redis.connect();

let counting = false;
const sent: Record<string, number> = {};
const client = redis as unknown as { sendCommand(command: { name: string }, ...rest: unknown[]): unknown };
const sendCommand = client.sendCommand.bind(client);
client.sendCommand = (command, ...rest) => {
  if (counting) sent[command.name.toLowerCase()] = (sent[command.name.toLowerCase()] ?? 0) + 1;
  return sendCommand(command, ...rest);
};

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
  const bento = new BentoCache({ default: "redis", prefix: input.prefix.replace(/:$/, ""), stores: { redis: bentostore().useL2Layer(redisDriver({ connection: redis })) } });
  get = () => bento.getOrSet({ key: input.id, factory: load, ttl: "1h" });
} else {
  const cache = cachifiedCache(redis);
  get = () => cachified({ key: `${input.prefix}${input.id}`, cache, ttl: 3_600_000, getFreshValue: load });
}

process.on("message", (message: { type: string }) => {
  if (message.type === "go") void run();
  if (message.type === "exit") {
    redis.disconnect();
    process.exit(0);
  }
});
send({ type: "ready" });

async function run(): Promise<void> {
  counting = true;
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: input.gets }, get));
  const ms = performance.now() - started;
  counting = false;
  const wrong = results.filter((r) => (r as { id?: string } | null)?.id !== input.id).length;
  const report: StampedeChildReport = { type: "done", loads, sent, ms, wrong };
  send(report);
}
