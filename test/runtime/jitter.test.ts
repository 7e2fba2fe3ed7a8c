// Jitter: entries filled together expire spread over the band ttl x (1 - jitter) .. ttl, never
// after ttl (issue 10: the earlier tests passed with jitter removed, as elapsed milliseconds alone
// make TTLs differ). Team: ttl 1h, jitter 0.1, no stale-while-revalidate.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { deleteByPrefix } from "cachegen/runtime";
import {
  TeamRepository,
  teamEntity,
  type TeamKey,
} from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { connect, uniquePrefix } from "./helpers.js";

const prefix = uniquePrefix("jitter");
let redis: Redis;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
});

describe("jitter", () => {
  it("1000 fills: Redis TTLs cover the jitter band (its lowest and highest tenth both hit), none above ttl", async () => {
    const teams = new TeamRepository({
      redis,
      keyPrefix: prefix,
      source: {
        load: async ({ id }: TeamKey) => ({ id, name: "t" }),
        loadMany: async (keys: TeamKey[]) => keys.map(({ id }) => ({ id, name: "t" })),
      },
    });
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    await teams.getMany(ids);
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.pttl(teams.keyOf(id));
    const ttls = ((await pipeline.exec()) ?? []).map(([, ttl]) => Number(ttl));
    const { ttlMs, jitter } = teamEntity;
    const band = ttlMs * jitter;
    const low = ttlMs - band;
    expect(ttls.every((ttl) => ttl > 0 && ttl <= ttlMs)).toBe(true);
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(low - 60_000); // the test's own minute at most
    expect(ttls.filter((ttl) => ttl < low + band / 10).length).toBeGreaterThan(20);
    expect(ttls.filter((ttl) => ttl > ttlMs - band / 10).length).toBeGreaterThan(20);
  });
});
