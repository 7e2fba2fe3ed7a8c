// Keys are untrusted input: a key longer than maxKeyLength is an InvalidKeyError before Redis or the
// source is touched, and no in-memory cache grows with the length of the keys it saw (issue 11.11).
import { afterAll, describe, expect, it } from "vitest";
import { TsChild, type Message } from "../support/child-process.js";
import type { LongKeysInput, LongKeysReport } from "./children/long-keys.js";
import { InvalidKeyError } from "cachegen/runtime";
import { ArticleRepository } from "../fixtures/valid/minimal-cache-aside/expected/article.js";
import { MemberRepository } from "../fixtures/valid/lists-read-through/expected/member.js";
import { connect, uniquePrefix } from "./helpers.js";
import { scanKeys } from "../support/scan-keys.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const children: TsChild<Message, LongKeysReport>[] = [];

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
});

async function keysUnder(prefix: string): Promise<number> {
  const redis = await connect();
  try {
    return (await scanKeys(redis, `${prefix}*`)).length;
  } finally {
    redis.disconnect();
  }
}

describe("untrusted keys", () => {
  it("lookup values longer than maxKeyLength (listBy<List>, getBy<Index>) are an InvalidKeyError before Redis or the source", async () => {
    const redis = await connect();
    try {
      const keyPrefix = uniquePrefix("longlookups");
      let loads = 0;
      const loaded = async <T>(value: T): Promise<T> => ((loads += 1), value);
      const members = new MemberRepository({
        redis,
        keyPrefix,
        source: {
          load: () => loaded(null),
          loadByEmail: () => loaded(null),
          loadListByTeam: () => loaded([]),
          loadListByTeamRole: () => loaded([]),
        },
      });
      const long = "h".repeat(5_000_000);
      await expect(members.listByTeam(long)).rejects.toThrow(
        /list "byTeam" field "teamId" is 5000000 characters, longer than maxKeyLength \(1024\)/,
      );
      await expect(members.listByTeamRole("t".repeat(1_025), "owner")).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(members.getByEmail(`${"e".repeat(2_000)}@example.com`)).rejects.toBeInstanceOf(InvalidKeyError);
      expect(loads).toBe(0);
      expect(await keysUnder(keyPrefix)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it("a key longer than maxKeyLength (encoded) is an InvalidKeyError before Redis or the source; getMany(null) too", async () => {
    const redis = await connect();
    try {
      const keyPrefix = uniquePrefix("longkeys");
      let loads = 0;
      const source = {
        load: async (): Promise<null> => {
          loads += 1;
          return null;
        },
      };
      const articles = new ArticleRepository({ redis, keyPrefix, source, maxKeyLength: 30 });
      await expect(articles.get("a".repeat(31))).rejects.toMatchObject({ name: "InvalidKeyError" });
      // 6 characters, 36 once encoded
      await expect(articles.get("é".repeat(6))).rejects.toThrow(/36 characters, longer than maxKeyLength \(30\)/);
      await expect(articles.getMany(["ok", "b".repeat(31)])).rejects.toMatchObject({ name: "InvalidKeyError" });
      await expect(articles.getMany(null as never)).rejects.toMatchObject({ name: "InvalidKeyError" });
      expect(loads).toBe(0);
      expect(await keysUnder(keyPrefix)).toBe(0);
      expect(await articles.get("a".repeat(30))).toBeNull();
      expect(loads).toBe(1);
      expect(() => new ArticleRepository({ redis, keyPrefix, source, maxKeyLength: 0 })).toThrow(/maxKeyLength/);
    } finally {
      redis.disconnect();
    }
  });

  it("2000 gets of distinct 100 000-character ids: each an InvalidKeyError, no crash, heap growth under 50 MB, nothing written to Redis", async ({
    annotate,
  }) => {
    const keyPrefix = uniquePrefix("longkeys");
    const input: LongKeysInput = { redisUrl, keyPrefix, count: 2000, length: 100_000 };
    // A heap of 512 MB: what the gets keep must fit many times over.
    const child = TsChild.start<Message, LongKeysReport>("test/runtime/children/long-keys.ts", input, [
      "--expose-gc",
      "--max-old-space-size=512",
    ]);
    children.push(child);
    const report = await child.next("done", 120_000);
    await annotate(
      `rejected ${report.rejected}, answered ${report.answered}, heap growth ${report.heapGrowthMb.toFixed(1)} MB`,
    );
    expect(report.otherErrors).toEqual([]);
    expect(report.rejected).toBe(2000);
    expect(report.heapGrowthMb).toBeLessThan(50);
    expect(await keysUnder(keyPrefix)).toBe(0);
  }, 150_000);
});
