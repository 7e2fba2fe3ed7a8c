/**
 * Hit path: a ~500-byte, 12-field entity (bench/schemas/profile.yaml), validated on every read.
 * Generated `ProfileRepository.get` vs raw ioredis GET + JSON.parse (with and without Date revival),
 * ioredis with enableAutoPipelining, bentocache (L2 only), cachified and cache-manager, all over the
 * same Redis; 1 and 64 operations in flight, alternating rounds.
 */
import { cachified, type Cache } from "@epic-web/cachified";
import { BentoCache, bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { createCache } from "cache-manager";
import KeyvRedis from "@keyv/redis";
import { Keyv } from "keyv";
import type { Redis } from "ioredis";
import { defineEntity, Repository } from "cachegen/runtime";
import {
  profileEntity,
  ProfileRepository,
  ProfileSchema,
  type Profile,
  type ProfileKey,
  type ProfileSource,
} from "../generated/index.js";
import type { BenchSection } from "../report.js";
import { BENCH_TIMEOUT_MS, connectRedis, fmt, type BenchContext } from "../lib/context.js";
import { pairedRounds, type Contender } from "../lib/measure.js";
import { pairedRows } from "../lib/render.js";
import { checkProfile, makeProfile, reviveDates } from "./fixtures.js";
import { cachifiedCache } from "./peers.js";

const ENTITIES = 1000;

export interface Peers {
  bento: BentoCache<Record<string, ReturnType<typeof bentostore>>>;
  cachified: Cache;
  cacheManager: ReturnType<typeof createCache>;
  close(): Promise<void>;
}

/** bentocache (L2 only), cachified and cache-manager over the bench Redis, under `prefix`. */
export async function makePeers(ctx: BenchContext, redis: Redis, prefix: string): Promise<Peers> {
  const bento = new BentoCache({
    default: "redis",
    prefix: `${prefix}bento`,
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection: redis })) },
  });
  const keyv = new Keyv({
    store: new KeyvRedis(`redis://${ctx.redisUrl.host}:${ctx.redisUrl.port}`),
    namespace: `${prefix}cm`,
    useKeyPrefix: true,
  });
  const cacheManager = createCache({ stores: [keyv] });
  return {
    bento,
    cachified: cachifiedCache(redis),
    cacheManager,
    close: async () => {
      await cacheManager.disconnect().catch(() => undefined);
    },
  };
}

export async function runHitPathBench(ctx: BenchContext): Promise<BenchSection[]> {
  const prefix = `${ctx.prefix}hit:`;
  const redis = await connectRedis(ctx);
  const pipelined = await connectRedis(ctx, { enableAutoPipelining: true });
  const peers = await makePeers(ctx, redis, prefix);
  const profiles = Array.from({ length: ENTITIES }, (_, i) => makeProfile(i));
  const rows = new Map(profiles.map((p) => [p.id, p]));
  const repo = new ProfileRepository({
    redis,
    keyPrefix: prefix,
    timeoutMs: BENCH_TIMEOUT_MS,
    source: { load: async ({ id }) => rows.get(id) ?? null },
  });
  // The same entity with an L1 tier (in-process, invalidated by pub/sub): every read after the first is an L1 hit.
  const withL1 = new Repository<Profile, ProfileKey, ProfileSource>(
    defineEntity<Profile, ProfileKey>({ ...profileEntity, l1: { ttlMs: 3_600_000, maxEntries: 2 * ENTITIES } }),
    { redis, keyPrefix: prefix, timeoutMs: BENCH_TIMEOUT_MS, source: { load: async ({ id }) => rows.get(id) ?? null } },
  );
  const ids = profiles.map((p) => p.id);
  const rawKeys = ids.map((id) => `${prefix}raw:${id}`);
  const cachifiedKeys = ids.map((id) => `${prefix}cachified:${id}`);

  // Fill every cache with the same entities (misses here; the measured runs are all hits).
  await redis.mset(...profiles.flatMap((p, i) => [rawKeys[i]!, JSON.stringify(p)]));
  for (let i = 0; i < ENTITIES; i += 100) await repo.getMany(ids.slice(i, i + 100));
  for (const [i, p] of profiles.entries()) {
    await peers.bento.set({ key: p.id, value: p, ttl: "1h" });
    await cachified({ key: cachifiedKeys[i]!, cache: peers.cachified, ttl: 3_600_000, getFreshValue: () => p });
    await peers.cacheManager.set(p.id, p, 3_600_000);
  }
  await withL1.get(ids[0]!); // subscribes L1 to its invalidations; it keeps values once subscribed
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const id of ids) await withL1.get(id);
  const stats = repo.stats();
  if (stats.loads !== ENTITIES || stats.redisErrors)
    throw new Error(`hit-path fill: expected ${ENTITIES} loads and no Redis errors, got ${JSON.stringify(stats)}`);

  const noLoad = (): Profile => {
    throw new Error("bench: a hit-path read missed");
  };
  const check = (value: unknown): void => {
    if (value === null || value === undefined) throw new Error("bench: a hit-path read missed");
  };
  // Every op is the read and a `.then`: an async wrapper's own promise and await hops cost an L1 hit
  // (~0.6 us) as much again, and would measure the harness rather than the cache.
  const rawParsed = (text: string | null): void => check(JSON.parse(text!));
  const baseline: Contender = {
    name: "raw ioredis GET + JSON.parse",
    op: (i) => redis.get(rawKeys[i % ENTITIES]!).then(rawParsed),
  };
  const contenders: Contender[] = [
    { name: "cachegen get (generated, validated)", op: (i) => repo.get(ids[i % ENTITIES]!).then(check) },
    { name: "cachegen get, L1 hit (in-process tier)", op: (i) => withL1.get(ids[i % ENTITIES]!).then(check) },
    {
      name: "raw GET + JSON.parse + Date revival",
      op: (i) => redis.get(rawKeys[i % ENTITIES]!).then((text) => check(reviveDates(JSON.parse(text!)))),
    },
    {
      name: "raw GET + parse + typia-style check (straight-line) + Date revival",
      op: (i) => redis.get(rawKeys[i % ENTITIES]!).then((text) => check(checkProfile(JSON.parse(text!)))),
    },
    {
      name: "raw GET + parse + Date revival + zod parse",
      op: (i) =>
        redis.get(rawKeys[i % ENTITIES]!).then((text) => check(ProfileSchema.parse(reviveDates(JSON.parse(text!))))),
    },
    {
      name: "raw GET + parse, enableAutoPipelining",
      op: (i) => pipelined.get(rawKeys[i % ENTITIES]!).then(rawParsed),
    },
    { name: "bentocache (L2 only)", op: (i) => peers.bento.get({ key: ids[i % ENTITIES]! }).then(check) },
    {
      name: "cachified + redis adapter",
      op: (i) =>
        cachified({
          key: cachifiedKeys[i % ENTITIES]!,
          cache: peers.cachified,
          ttl: 3_600_000,
          getFreshValue: noLoad,
        }).then(check),
    },
    { name: "cache-manager + @keyv/redis", op: (i) => peers.cacheManager.get(ids[i % ENTITIES]!).then(check) },
  ];

  const sections: BenchSection[] = [];
  for (const concurrency of [64, 1]) {
    ctx.log(`hit path: ${concurrency} in flight`);
    const result = await pairedRounds(baseline, contenders, {
      rounds: ctx.rounds,
      durationMs: ctx.durationMs,
      warmupMs: ctx.warmupMs,
      concurrency,
    });
    const goal = concurrency === 64 ? 2.0 : 1.0;
    const ratio = result.ratio[1]!;
    const l1Ratio = result.ratio[2]!;
    const tableRows = pairedRows(result, "gets", "raw GET + parse");
    sections.push({
      title: `Hit path, ${concurrency} in flight`,
      rows: tableRows,
      notes: [
        `Goal: cachegen >= ${goal}x raw GET + JSON.parse at ${concurrency} in flight: ${ratio >= goal ? "met" : "NOT met"} (${fmt.ratio(ratio)}).`,
        `Goal: an L1 hit >= 20x raw GET + JSON.parse at ${concurrency} in flight: ${l1Ratio >= 20 ? "met" : "NOT met"} (${fmt.ratio(l1Ratio)}). An L1 hit hands out a copy of the cached entity (compiled from its descriptor), so callers cannot change the cached one.`,
        `${ENTITIES} distinct ~${Buffer.byteLength(JSON.stringify(profiles[0]))}-byte, 12-field entities read round-robin; every read is a hit. cachegen validates every value (its zod schema, through a precompiled decode plan) and revives both datetimes; the peers return the JSON as stored (no validation, dates left as strings). "+ zod parse" is the same guarantee written by hand: the generated ProfileSchema on the revived value; "typia-style" is the same checks as straight-line code per field, as typia's assert generates them (checkProfile in bench/runtime/fixtures.ts).`,
        "cachegen sends the gets a repository issues in the same tick as MGETs (one up to 16 keys, else up to 4 sent together; a lone get is one GET). ioredis' enableAutoPipelining sends the commands of a tick in one write, but still one command per get.",
      ],
    });
  }
  if (repo.stats().loads !== ENTITIES) throw new Error("hit-path: a measured read loaded from the source");
  const l1Stats = withL1.stats();
  if (l1Stats.misses || l1Stats.hits <= ENTITIES)
    throw new Error(`hit-path: L1 reads missed: ${JSON.stringify(l1Stats)}`);
  await withL1.close();
  await repo.close();
  await peers.close();
  redis.disconnect();
  pipelined.disconnect();
  return sections;
}
