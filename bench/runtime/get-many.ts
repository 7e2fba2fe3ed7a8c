/**
 * getMany(100): entities/s of the generated repository's getMany (one MGET, every value validated)
 * vs raw ioredis MGET + JSON.parse of the same 100 keys (and + Date revival, + a typia-style
 * straight-line check, + the generated zod schema: the same guarantee written by hand).
 */
import { ProfileRepository, ProfileSchema } from "../generated/index.js";
import type { BenchSection } from "../report.js";
import { BENCH_TIMEOUT_MS, connectRedis, fmt, type BenchContext } from "../lib/context.js";
import { pairedRounds, type Contender } from "../lib/measure.js";
import { pairedRows } from "../lib/render.js";
import { checkProfile, makeProfile, reviveDates } from "./fixtures.js";

const ENTITIES = 2000;
const BATCH = 100;
/** Disjoint batches: op i reads batch i % BATCHES, so ops in flight together share no key. */
const BATCHES = ENTITIES / BATCH;

export async function runGetManyBench(ctx: BenchContext): Promise<BenchSection[]> {
  const prefix = `${ctx.prefix}many:`;
  const redis = await connectRedis(ctx);
  const profiles = Array.from({ length: ENTITIES }, (_, i) => makeProfile(i));
  const rows = new Map(profiles.map((p) => [p.id, p]));
  const repo = new ProfileRepository({
    redis,
    keyPrefix: prefix,
    timeoutMs: BENCH_TIMEOUT_MS,
    source: { load: async ({ id }) => rows.get(id) ?? null },
  });
  const ids = profiles.map((p) => p.id);
  const rawKeys = ids.map((id) => `${prefix}raw:${id}`);
  for (let i = 0; i < ENTITIES; i += BATCH) await repo.getMany(ids.slice(i, i + BATCH));
  await redis.mset(...profiles.flatMap((p, i) => [rawKeys[i]!, JSON.stringify(p)]));
  const filled = repo.stats();
  if (filled.loads !== ENTITIES || filled.redisErrors) throw new Error(`getMany fill: ${JSON.stringify(filled)}`);

  // Disjoint batches of 100 keys: every batch is 100 distinct hits, and concurrent getManys share no
  // key (a getMany joins reads of the same keys in flight, which would flatter it against raw MGET).
  const idBatches = Array.from({ length: BATCHES }, (_, b) => ids.slice(b * BATCH, (b + 1) * BATCH));
  const rawBatches = idBatches.map((batch) => batch.map((id) => `${prefix}raw:${id}`));
  const check = (values: readonly unknown[]): void => {
    if (values.length !== BATCH || values.some((v) => v === null || v === undefined))
      throw new Error("bench: a getMany read missed");
  };
  const baseline: Contender = {
    name: "raw ioredis MGET + JSON.parse",
    unitsPerOp: BATCH,
    op: async (i) => check((await redis.mget(rawBatches[i % BATCHES]!)).map((text) => JSON.parse(text!) as unknown)),
  };
  const contenders: Contender[] = [
    {
      name: "cachegen getMany (generated, validated)",
      unitsPerOp: BATCH,
      op: async (i) => check(await repo.getMany(idBatches[i % BATCHES]!)),
    },
    {
      name: "raw MGET + JSON.parse + Date revival",
      unitsPerOp: BATCH,
      op: async (i) =>
        check((await redis.mget(rawBatches[i % BATCHES]!)).map((text) => reviveDates(JSON.parse(text!)))),
    },
    {
      name: "raw MGET + parse + typia-style check (straight-line) + Date revival",
      unitsPerOp: BATCH,
      op: async (i) =>
        check((await redis.mget(rawBatches[i % BATCHES]!)).map((text) => checkProfile(JSON.parse(text!)))),
    },
    {
      name: "raw MGET + parse + Date revival + zod parse",
      unitsPerOp: BATCH,
      op: async (i) =>
        check(
          (await redis.mget(rawBatches[i % BATCHES]!)).map((text) =>
            ProfileSchema.parse(reviveDates(JSON.parse(text!))),
          ),
        ),
    },
  ];
  const sections: BenchSection[] = [];
  for (const concurrency of [1, 8]) {
    ctx.log(`getMany(${BATCH}): ${concurrency} in flight`);
    const coalescedBefore = repo.stats().coalesced;
    const result = await pairedRounds(baseline, contenders, {
      rounds: ctx.rounds,
      durationMs: ctx.durationMs,
      warmupMs: ctx.warmupMs,
      concurrency,
    });
    const coalesced = repo.stats().coalesced - coalescedBefore;
    const ratio = result.ratio[1]!;
    const tableRows = pairedRows(result, "entities", "raw MGET + parse");
    sections.push({
      title: `getMany(${BATCH}), ${concurrency} in flight`,
      rows: tableRows,
      notes: [
        `Goal: cachegen >= 1.0x raw MGET + JSON.parse: ${ratio >= 1 ? "met" : "NOT met"} (${fmt.ratio(ratio)}).`,
        `cachegen validates and revives every value; "+ zod parse" is the same guarantee written by hand (the generated ProfileSchema on the revived value); "typia-style" is the same checks as straight-line code per field, as typia's assert generates them (checkProfile in bench/runtime/fixtures.ts): the fastest hand-validated client over JSON text. Concurrent getManys read disjoint batches of ${BATCH} keys (${BATCHES} batches of ${ENTITIES} entities), so none joins another's reads (keys coalesced while measured: ${coalesced}).`,
      ],
    });
  }
  if (repo.stats().loads !== ENTITIES) throw new Error("getMany: a measured read loaded from the source");
  await repo.close();
  redis.disconnect();
  return sections;
}
