// Issue 11 item 7: invalidations that fail while Redis hangs are retried from a bounded queue; when
// more are owed than it holds, the repository falls back to revoking the entity's whole namespace
// once Redis answers again (event `invalidation-overflow`), so no key is left stale.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CacheEvent } from "cachegen/runtime";
import {
  ArticleRepository,
  type Article,
  type ArticleSource,
} from "../../fixtures/valid/minimal-cache-aside/expected/article.js";
import { ready, uniquePrefix } from "../../runtime/helpers.js";
import { resilientClient, SpawnedRedis } from "../../support/redis-server.js";
import { sleep } from "../../support/wait.js";

const KEYS = 10_500;
const CHUNK = 100;
let server: SpawnedRedis;

beforeAll(async () => {
  server = await SpawnedRedis.start();
});

afterAll(async () => {
  await server.stop();
});

/** The articles' rows in memory. */
class Articles implements ArticleSource {
  readonly rows = new Map<string, Article>();

  async load({ slug }: { slug: string }): Promise<Article | null> {
    return this.rows.get(slug) ?? null;
  }

  async save(article: Article): Promise<void> {
    this.rows.set(article.slug, { ...article });
  }
}

async function inChunks<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await Promise.all(items.slice(i, i + CHUNK).map(each));
}

describe("invalidations owed while Redis hangs, more than the retry queue holds", () => {
  it(`${KEYS} cached keys saved while Redis is SIGSTOPped: after SIGCONT no key stays stale, and invalidation-overflow is reported`, async () => {
    const redis = resilientClient(server.port);
    const admin = resilientClient(server.port);
    await Promise.all([ready(redis), ready(admin)]);
    const events: CacheEvent[] = [];
    const source = new Articles();
    const keyPrefix = uniquePrefix("overflow");
    const repo = new ArticleRepository({
      redis,
      source,
      keyPrefix,
      timeoutMs: 500,
      onEvent: (e) => void events.push(e),
    });
    const slugs = Array.from({ length: KEYS }, (_, i) => `article-${i}`);
    /** Keys cached (holding `text`), read raw: no repository state involved. */
    const cached = async (text = ""): Promise<number> => {
      let count = 0;
      for (let i = 0; i < KEYS; i += 1000) {
        const values = await admin.mget(...slugs.slice(i, i + 1000).map((slug) => repo.keyOf(slug)));
        count += values.filter((v) => v !== null && v.includes(text)).length;
      }
      return count;
    };
    for (const slug of slugs) source.rows.set(slug, { slug, title: "old" });
    await inChunks(slugs, (slug) => repo.get(slug));
    expect(await cached()).toBe(KEYS);

    const stale = (): Promise<number> => cached('"title":"old"');

    server.signal("SIGSTOP");
    try {
      await inChunks(slugs, (slug) => repo.save({ slug, title: "new" }));
    } finally {
      server.signal("SIGCONT");
    }

    // The retries run once Redis answers; wait until what is owed is done (or stops changing).
    let left = await stale();
    for (let waited = 0; left > 0 && waited < 20_000; waited += 250) {
      await sleep(250);
      void repo.get(slugs[0]!); // a read of a pending key nudges the retries
      left = await stale();
    }
    const overflows = events.filter((e) => e.type === "invalidation-overflow");
    console.log(
      `[invalidation overflow] ${KEYS} saves while Redis hung: ${left} keys stale after recovery; invalidation-overflow events: ${overflows.length}; redis-errors: ${events.filter((e) => e.type === "redis-error").length}`,
    );
    expect(left).toBe(0);
    expect(overflows.length).toBeGreaterThan(0);
    expect(repo.stats().invalidationOverflows).toBe(overflows.length);
    expect(await repo.get(slugs[KEYS - 1]!)).toEqual({ slug: slugs[KEYS - 1], title: "new" });
    await repo.close();
    redis.disconnect();
    admin.disconnect();
  }, 120_000);
});
