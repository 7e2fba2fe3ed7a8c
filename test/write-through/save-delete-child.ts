// One application process of save-delete-stress.test.ts: a write-through StockLevel repository
// on its own Redis connection over a PostgreSQL table (upsert fenced on revision). On each "go" it
// runs `concurrency` random saves, deletes and gets over the keys at once, then says "done".
import { Redis } from "ioredis";
import pg from "pg";
import { Repository, type EntitySource } from "cachegen/runtime";
import { stockLevelEntity, type StockLevel, type StockLevelKey } from "../../generated/stock-level.js";
import { childInput, exitWithParent, tell, whenTold } from "../support/child-side.js";
import { sleep } from "../support/wait.js";
import { stockTableSource, type SaveDeleteInput } from "./stock-table.js";

const input = childInput<SaveDeleteInput>();
exitWithParent();

const pool = new pg.Pool({ connectionString: input.databaseUrl, max: 10 });
const redis = new Redis({ host: "127.0.0.1", port: input.redisPort, lazyConnect: true });
await redis.connect();

const table = stockTableSource(pool, input.table);
/** The database answers up to `replyMs` after committing: a racing writer's window. */
const source: EntitySource<StockLevel, StockLevelKey> = {
  load: table.load,
  async save(entity) {
    const kept = input.returnKept ? await table.saveReturning(entity) : await table.save(entity);
    await sleep(Math.random() * input.replyMs);
    return kept;
  },
  async delete(key) {
    await table.delete(key);
    await sleep(Math.random() * input.replyMs);
  },
};
const repository = new Repository(stockLevelEntity, { redis, source, keyPrefix: input.keyPrefix });

let counter = 0;
/** Revisions grow with time and are unique across processes; saves issued close together still race. */
const nextRevision = (): number => Date.now() * 1000 + (counter++ % 250) * 4 + input.index;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function op(): Promise<void> {
  const key = pick(input.keys);
  const roll = Math.random();
  if (roll < 0.45) {
    const revision = nextRevision();
    await sleep(Math.random() * 5); // issued, then sent a little later: an older revision may arrive last
    await repository.save({
      ...key,
      available: Math.floor(Math.random() * 1000),
      reserved: 0,
      revision,
      countedOn: new Date(Date.UTC(2024, 0, 1)),
    });
  } else if (roll < 0.7) await repository.delete(key);
  else await repository.get(key);
}

for (let round = 0; round < input.rounds; round++) {
  await whenTold("go");
  let errors = 0;
  await Promise.all(
    Array.from({ length: input.concurrency }, () =>
      op().catch((error: unknown) => {
        errors += 1;
        process.stderr.write(`${String(error)}\n`);
      }),
    ),
  );
  tell({ type: "done", errors } as { type: string });
}
await repository.close?.();
redis.disconnect();
await pool.end();
