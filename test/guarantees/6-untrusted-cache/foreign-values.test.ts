import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { ArticleRepository, type Article } from "../../fixtures/valid/minimal-cache-aside/expected/article.js";
import {
  OrderLineRepository,
  type OrderLine,
  type OrderLineKey,
} from "../../fixtures/valid/composite-key-write-through/expected/order-line.js";
import { collectEvents, fileRedis, makeOrderLine } from "../../runtime/helpers.js";

let redis!: Redis;
const prefix = fileRedis("foreign", (client) => (redis = client));

function articles(rows: Map<string, Article>): {
  repo: ArticleRepository;
  events: ReturnType<typeof collectEvents>;
  loads: () => number;
} {
  let loads = 0;
  const events = collectEvents();
  const repo = new ArticleRepository({
    redis,
    keyPrefix: prefix,
    onEvent: events.onEvent,
    source: {
      load: async (key) => {
        loads += 1;
        return rows.get(key.slug) ?? null;
      },
      loadMany: async (keys) => {
        loads += keys.length;
        return keys.map((key) => rows.get(key.slug) ?? null);
      },
    },
  });
  return { repo, events, loads: () => loads };
}

describe("guarantee 6 (untrusted cache): a value whose key fields differ from the key read", () => {
  it("alice's record stored under bob's key is a miss for get, is deleted, raises invalid-value", async () => {
    const alice: Article = { slug: `alice-${randomUUID()}`, title: "alice's" };
    const bob: Article = { slug: `bob-${randomUUID()}`, title: "bob's" };
    const { repo, events, loads } = articles(new Map([alice, bob].map((a) => [a.slug, a])));
    await repo.get(alice.slug);
    const aliceRaw = (await redis.getBuffer(repo.keyOf(alice.slug)))!;
    await redis.set(repo.keyOf(bob.slug), aliceRaw);

    expect(await repo.get(bob.slug)).toStrictEqual(bob);
    expect(loads()).toBe(2);
    expect(events.of("invalid-value")).toHaveLength(1);
    expect(events.of("invalid-value")[0]!.key).toBe(repo.keyOf(bob.slug));
    expect((await redis.getBuffer(repo.keyOf(bob.slug)))?.equals(aliceRaw)).not.toBe(true);
    expect(await repo.get(bob.slug)).toStrictEqual(bob);
    expect(loads()).toBe(2);
  });

  it("the same through getMany (one MGET)", async () => {
    const alice: Article = { slug: `alice-${randomUUID()}`, title: "alice's" };
    const bob: Article = { slug: `bob-${randomUUID()}`, title: "bob's" };
    const { repo, events } = articles(new Map([alice, bob].map((a) => [a.slug, a])));
    await repo.get(alice.slug);
    await redis.set(repo.keyOf(bob.slug), (await redis.getBuffer(repo.keyOf(alice.slug)))!);
    expect(await repo.getMany([bob.slug, alice.slug])).toStrictEqual([bob, alice]);
    expect(events.of("invalid-value")).toHaveLength(1);
  });

  it("composite key: line 1's value stored under line 2's key is a miss", async () => {
    const orderId = randomUUID();
    const line = (lineNo: number): OrderLine => makeOrderLine(orderId, lineNo);
    const events = collectEvents();
    const repo = new OrderLineRepository({
      redis,
      keyPrefix: prefix,
      onEvent: events.onEvent,
      source: {
        load: async (key: OrderLineKey) => line(key.lineNo),
        loadBySku: async () => null,
        save: async () => undefined,
        delete: async () => undefined,
      },
    });
    await repo.get({ orderId, lineNo: 1 });
    await redis.set(repo.keyOf({ orderId, lineNo: 2 }), (await redis.getBuffer(repo.keyOf({ orderId, lineNo: 1 })))!);
    expect(await repo.get({ orderId, lineNo: 2 })).toStrictEqual(line(2));
    expect(events.of("invalid-value")).toHaveLength(1);
  });
});
