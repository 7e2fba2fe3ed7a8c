// An application process reading `count` distinct ids of `length` characters each (untrusted input,
// e.g. a URL segment) through a cache-aside repository, 100 at a time; reports how they were
// answered and how much heap they kept.
import { Redis } from "ioredis";
import { ArticleRepository } from "../../fixtures/valid/minimal-cache-aside/expected/article.js";
import { childInput, tell } from "../../support/child-side.js";

export interface LongKeysInput {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly count: number;
  readonly length: number;
}

export interface LongKeysReport {
  readonly type: "done";
  readonly rejected: number;
  readonly answered: number;
  readonly otherErrors: string[];
  readonly heapGrowthMb: number;
}

const input = childInput<LongKeysInput>();
const gc = (globalThis as { gc?: () => void }).gc!;
const redis = new Redis(input.redisUrl, { lazyConnect: true });
await redis.connect();
const articles = new ArticleRepository({ redis, keyPrefix: input.keyPrefix, source: { load: async () => null } });

gc();
const before = process.memoryUsage().heapUsed;
let rejected = 0;
let answered = 0;
const otherErrors: string[] = [];
for (let start = 0; start < input.count; start += 100) {
  const gets = [];
  for (let i = start; i < Math.min(input.count, start + 100); i++) {
    const id = `${i}:`.padEnd(input.length, "x");
    gets.push(
      articles.get(id).then(
        () => (answered += 1),
        (error: Error) => (error.name === "InvalidKeyError" ? (rejected += 1) : otherErrors.push(String(error))),
      ),
    );
  }
  await Promise.all(gets);
}
gc();
const heapGrowthMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
const report: LongKeysReport = { type: "done", rejected, answered, otherErrors: otherErrors.slice(0, 3), heapGrowthMb };
tell(report);
await articles.close();
redis.disconnect();
