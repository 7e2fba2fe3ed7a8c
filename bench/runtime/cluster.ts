/**
 * Redis Cluster (`--only=cluster`): on a local 3-master cluster this bench spawns (and stops after),
 * the generated `ProfileRepository.getMany(100)` and `get` (64 in flight) vs a hand-written ioredis
 * Cluster client over keys laid out exactly like cachegen's (each raw key carries the hash tag of
 * its cachegen key, so both read the same slots): MGET per slot, all sent at once, + JSON.parse;
 * GET + JSON.parse. Ratios measured in the same run (alternating rounds).
 */
import { Cluster } from "ioredis";
import { ProfileRepository } from "../generated/index.js";
import type { BenchSection } from "../report.js";
import { BENCH_TIMEOUT_MS, fmt, type BenchContext } from "../lib/context.js";
import { pairedRounds, type Contender } from "../lib/measure.js";
import { pairedRows } from "../lib/render.js";
import { makeProfile } from "./fixtures.js";
import { keySlot } from "../../src/runtime/slots.js";
import { SpawnedCluster } from "../../test/support/redis-cluster.js";

const ENTITIES = 2000;
const BATCH = 100;
const BATCHES = ENTITIES / BATCH;

/** The hand-written read of many keys on a Cluster: one MGET per slot, all sent at once, back in order. */
async function mgetPerSlot(cluster: Cluster, keys: readonly string[]): Promise<(string | null)[]> {
  const bySlot = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const slot = keySlot(key);
    const group = bySlot.get(slot);
    if (group) group.push(i);
    else bySlot.set(slot, [i]);
  });
  const values = new Array<string | null>(keys.length);
  await Promise.all(
    [...bySlot.values()].map(async (group) => {
      const replies = await cluster.mget(group.map((i) => keys[i]!));
      group.forEach((position, j) => (values[position] = replies[j] ?? null));
    }),
  );
  return values;
}

export async function runClusterBench(ctx: BenchContext): Promise<BenchSection[]> {
  ctx.log("cluster: starting 3 masters");
  const spawned = await SpawnedCluster.start({ masters: 3, replicasPerMaster: 0 });
  const cluster = new Cluster(spawned.startupNodes, { scaleReads: "master", maxRedirections: 16 });
  cluster.on("error", () => undefined);
  try {
    await new Promise<void>((resolve) => cluster.once("ready", () => resolve()));
    const prefix = `${ctx.prefix}cluster:`;
    const profiles = Array.from({ length: ENTITIES }, (_, i) => makeProfile(i));
    const rows = new Map(profiles.map((p) => [p.id, p]));
    const repo = new ProfileRepository({
      redis: cluster,
      keyPrefix: prefix,
      timeoutMs: BENCH_TIMEOUT_MS,
      source: { load: async ({ id }) => rows.get(id) ?? null },
    });
    const ids = profiles.map((p) => p.id);
    const rawKeys = ids.map((id) => `${repo.keyOf(id)}:raw`);
    for (let i = 0; i < ENTITIES; i += BATCH) await repo.getMany(ids.slice(i, i + BATCH));
    await Promise.all(profiles.map((p, i) => cluster.set(rawKeys[i]!, JSON.stringify(p))));
    const filled = repo.stats();
    if (filled.loads !== ENTITIES || filled.redisErrors) throw new Error(`cluster fill: ${JSON.stringify(filled)}`);

    const idBatches = Array.from({ length: BATCHES }, (_, b) => ids.slice(b * BATCH, (b + 1) * BATCH));
    const rawBatches = idBatches.map((batch) => batch.map((id) => `${repo.keyOf(id)}:raw`));
    const slotsPerBatch = rawBatches.map((batch) => new Set(batch.map(keySlot)).size);
    const masters = (await spawned.masters()).length;
    const check = (values: readonly unknown[]): void => {
      if (values.some((v) => v === null || v === undefined)) throw new Error("bench: a cluster read missed");
    };

    const sections: BenchSection[] = [];
    ctx.log(`cluster: getMany(${BATCH}), 8 in flight`);
    const many = await pairedRounds(
      {
        name: "hand-written Cluster: MGET per slot + JSON.parse",
        unitsPerOp: BATCH,
        op: async (i) =>
          check((await mgetPerSlot(cluster, rawBatches[i % BATCHES]!)).map((text) => JSON.parse(text!) as unknown)),
      },
      [
        {
          name: "cachegen getMany (generated, validated)",
          unitsPerOp: BATCH,
          op: async (i) => check(await repo.getMany(idBatches[i % BATCHES]!)),
        },
      ],
      { rounds: ctx.rounds, durationMs: ctx.durationMs, warmupMs: ctx.warmupMs, concurrency: 8 },
    );
    sections.push({
      title: `Cluster: getMany(${BATCH}), 8 in flight`,
      rows: pairedRows(many, "entities", "hand-written Cluster MGET per slot"),
      notes: [
        `cachegen / hand-written: ${fmt.ratio(many.ratio[1]!)}. Local cluster of ${masters} masters spawned by the bench; a batch of ${BATCH} keys spans ${Math.min(...slotsPerBatch)}-${Math.max(...slotsPerBatch)} slots. cachegen sends one pipeline of per-slot MGETs per node, every node at once; the baseline one MGET per slot, all at once. cachegen validates every value; the baseline only parses.`,
      ],
    });

    ctx.log("cluster: hit path, 64 in flight");
    const baseline: Contender = {
      name: "hand-written Cluster: GET + JSON.parse",
      op: async (i) => check([JSON.parse((await cluster.get(rawKeys[i % ENTITIES]!))!)]),
    };
    const hits = await pairedRounds(
      baseline,
      [{ name: "cachegen get (generated, validated)", op: async (i) => check([await repo.get(ids[i % ENTITIES]!)]) }],
      { rounds: ctx.rounds, durationMs: ctx.durationMs, warmupMs: ctx.warmupMs, concurrency: 64 },
    );
    sections.push({
      title: "Cluster: hit path, 64 in flight",
      rows: pairedRows(hits, "gets", "hand-written Cluster GET"),
      notes: [
        `cachegen / hand-written: ${fmt.ratio(hits.ratio[1]!)}. The gets of one tick go out as one pipeline of per-slot MGETs per node (a lone get is one GET); the baseline sends one GET per read.`,
      ],
    });
    if (repo.stats().loads !== ENTITIES || repo.stats().redisErrors)
      throw new Error(`cluster: a measured read missed or failed: ${JSON.stringify(repo.stats())}`);
    await repo.close();
    return sections;
  } finally {
    cluster.disconnect();
    await spawned.stop();
  }
}
