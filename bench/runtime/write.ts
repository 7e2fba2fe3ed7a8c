/**
 * Write paths, all at 64 in flight against the same Redis, alternating rounds:
 * write-through `save` (ProfileWrite: versionField updatedAt; the source write is a no-op, so the
 * cost measured is the cache's) and write-behind `save` (value + durable queue entry in one script)
 * vs raw ioredis `SET key JSON PX ttl`. Then the write-behind drain rate: queued saves written into
 * PostgreSQL by one worker, in batches (`saveMany`: one INSERT ... SELECT FROM unnest per batch).
 */
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { defineEntity, WriteBehindRepository, type EntityDefinition, type WriteBehindSource } from "cachegen/runtime";
import { ProfileWriteRepository, profileEntity, type Profile, type ProfileKey } from "../generated/index.js";
import type { BenchSection } from "../report.js";
import { BENCH_TIMEOUT_MS, connectRedis, fmt, type BenchContext } from "../lib/context.js";
import { pairedRounds, type Contender } from "../lib/measure.js";
import { pairedRows } from "../lib/render.js";
import { makeProfile } from "./fixtures.js";

const ENTITIES = 1000;
const CONCURRENCY = 64;
const DRAIN_ROWS = 20_000;
const DRAIN_BATCH = 500;
const TTL_MS = 3_600_000;

type ProfileSource = WriteBehindSource<Profile, ProfileKey>;

/** The Profile shape as a write-behind entity, defined in-process (the write-behind settings are the bench's). */
function queuedDefinition(name: string): EntityDefinition<Profile, ProfileKey> {
  return defineEntity<Profile, ProfileKey>({
    ...profileEntity,
    name,
    schemaFile: "bench/runtime/write.ts",
    strategy: "write-behind",
    writeBehind: { batchSize: DRAIN_BATCH, flushIntervalMs: 50, maxAttempts: 5 },
  });
}

export async function runWriteBench(ctx: BenchContext): Promise<BenchSection[]> {
  const prefix = `${ctx.prefix}write:`;
  const redis = await connectRedis(ctx);
  const profiles = Array.from({ length: ENTITIES }, (_, i) => makeProfile(i));
  const rawKeys = profiles.map((p) => `${prefix}raw:${p.id}`);
  const noop = async (): Promise<void> => undefined;
  // The source answers the row it kept (as `UPDATE ... RETURNING` does): with versionField, that answer
  // is what lets the put write the value; a source answering nothing has every put drop the value.
  const writeThrough = new ProfileWriteRepository({
    redis,
    keyPrefix: prefix,
    timeoutMs: BENCH_TIMEOUT_MS,
    source: { load: async () => null, save: async (row: Profile) => row, delete: noop },
  });
  const writeBehind = new WriteBehindRepository<Profile, ProfileKey, ProfileSource>(queuedDefinition("ProfileQueued"), {
    redis,
    keyPrefix: prefix,
    timeoutMs: BENCH_TIMEOUT_MS,
    source: { load: async () => null, save: noop, delete: noop },
  });

  // Each save is a newer version of its entity (updatedAt one ms later than any save before it), as
  // an application's writes are.
  let version = Date.now();
  const edited = (i: number): Profile => ({ ...profiles[i % ENTITIES]!, updatedAt: new Date(++version) });
  const baseline: Contender = {
    name: "raw ioredis SET (JSON, PX ttl)",
    op: (i) => redis.set(rawKeys[i % ENTITIES]!, JSON.stringify(edited(i)), "PX", TTL_MS),
  };
  const contenders: Contender[] = [
    { name: "cachegen write-through save", op: (i) => writeThrough.save(edited(i)) },
    { name: "cachegen write-behind save (value + queue entry)", op: (i) => writeBehind.save(edited(i)) },
  ];

  ctx.log("write paths: save throughput");
  const result = await pairedRounds(baseline, contenders, {
    rounds: ctx.rounds,
    durationMs: ctx.durationMs,
    warmupMs: ctx.warmupMs,
    concurrency: CONCURRENCY,
  });
  const throughputRows = pairedRows(result, "saves", "raw SET");
  const wt = result.ratio[1]!;
  const wb = result.ratio[2]!;
  const notes = [
    `Goal: write-through save >= 0.8x raw SET: ${wt >= 0.8 ? "met" : "NOT met"} (${fmt.ratio(wt)}).`,
    `Goal: write-behind save >= 0.6x raw SET: ${wb >= 0.6 ? "met" : "NOT met"} (${fmt.ratio(wb)}).`,
    `${CONCURRENCY} saves in flight over ${ENTITIES} entities. Each save validates the entity with the zod schema and encodes it; write-through (with versionField; the source answers the row it kept) registers the writer (one script) before the source write and puts the value after it (another: revokes the lease, checks the registration and the tag epoch, keeps a newer version, writes the value); write-behind runs one script that writes the value and appends the durable queue entry (the queue is not drained during this measurement).`,
  ];
  const sections: BenchSection[] = [
    { title: `Write paths: save, ${CONCURRENCY} in flight`, rows: throughputRows, notes },
  ];
  ctx.log(`write-through stats: ${JSON.stringify(writeThrough.stats())}`);
  await writeThrough.close();
  await writeBehind.close();

  sections.push(await drainBench(ctx, prefix));
  redis.disconnect();
  return sections;
}

function skippedDrain(reason: string): BenchSection {
  return {
    title: "Write-behind drain into PostgreSQL",
    rows: [{ name: "write-behind worker -> PostgreSQL", "rows/s": `skipped: ${reason}` }],
  };
}

async function drainBench(ctx: BenchContext, prefix: string): Promise<BenchSection> {
  const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const table = `cgbench_profile_${randomBytes(4).toString("hex")}`;
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    return skippedDrain(`PostgreSQL unavailable at ${url} (${(error as Error).message})`);
  }
  const redis = await connectRedis(ctx);
  try {
    await pool.query(`CREATE TABLE ${table} (
      id uuid PRIMARY KEY, email text NOT NULL, name text NOT NULL, bio text NOT NULL, age integer NOT NULL,
      score double precision NOT NULL, active boolean NOT NULL, roles text[] NOT NULL, status text NOT NULL,
      address jsonb NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
    let batches = 0;
    const saveMany = async (rows: Profile[]): Promise<void> => {
      batches += 1;
      await pool.query(
        `INSERT INTO ${table} (id, email, name, bio, age, score, active, roles, status, address, created_at, updated_at)
         SELECT id, email, name, bio, age, score, active, ARRAY(SELECT jsonb_array_elements_text(roles)), status, address, created_at, updated_at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::float8[], $7::boolean[], $8::jsonb[], $9::text[],
                     $10::jsonb[], $11::timestamptz[], $12::timestamptz[])
              AS t(id, email, name, bio, age, score, active, roles, status, address, created_at, updated_at)
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, bio = EXCLUDED.bio, age = EXCLUDED.age,
           score = EXCLUDED.score, active = EXCLUDED.active, roles = EXCLUDED.roles, status = EXCLUDED.status,
           address = EXCLUDED.address, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
         WHERE ${table}.updated_at <= EXCLUDED.updated_at`,
        [
          rows.map((p) => p.id),
          rows.map((p) => p.email),
          rows.map((p) => p.name),
          rows.map((p) => p.bio),
          rows.map((p) => p.age),
          rows.map((p) => p.score),
          rows.map((p) => p.active),
          rows.map((p) => JSON.stringify(p.roles)),
          rows.map((p) => p.status),
          rows.map((p) => JSON.stringify(p.address)),
          rows.map((p) => p.createdAt),
          rows.map((p) => p.updatedAt),
        ],
      );
    };
    const source: ProfileSource = {
      load: async () => null,
      save: (p) => saveMany([p]),
      delete: async ({ id }) => void (await pool.query(`DELETE FROM ${table} WHERE id = $1`, [id])),
      saveMany,
    };
    const repo = new WriteBehindRepository<Profile, ProfileKey, ProfileSource>(queuedDefinition("ProfileDrain"), {
      redis,
      keyPrefix: prefix,
      timeoutMs: BENCH_TIMEOUT_MS,
      source,
    });
    ctx.log(`write-behind drain: queueing ${DRAIN_ROWS} saves`);
    const ids = Array.from({ length: DRAIN_ROWS }, () => randomUUID());
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < DRAIN_ROWS) {
          const i = next++;
          await repo.save(makeProfile(i, ids[i]!));
        }
      }),
    );
    const queued = await repo.pending();
    ctx.log(`write-behind drain: draining ${queued} entries into PostgreSQL`);
    const started = performance.now();
    const worker = repo.startWorker({ pollMs: 50 });
    await repo.flush(120_000);
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    const written = Number(rows[0]?.n ?? 0);
    await repo.close();
    const rate = written / seconds;
    return {
      title: "Write-behind drain into PostgreSQL",
      rows: [
        {
          name: "one worker, saveMany (INSERT ... SELECT FROM unnest), batches of up to 500",
          "queued saves": queued,
          "rows written": written,
          "PostgreSQL statements": batches,
          seconds: seconds.toFixed(2),
          "rows/s": fmt.int(rate),
        },
      ],
      notes: [
        `Goal: >= 5000 rows/s: ${rate >= 5000 && written === DRAIN_ROWS ? "met" : "NOT met"} (${fmt.int(rate)} rows/s).`,
        `${DRAIN_ROWS} saves of distinct keys queued first (64 in flight), then one worker started; timed from the start of the worker to an empty queue (\`flush()\`). PostgreSQL ${url.replace(/\/\/[^@]*@/, "//")} on the same machine.`,
      ],
    };
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await pool.end();
    redis.disconnect();
  }
}
