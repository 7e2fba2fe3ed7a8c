import { randomUUID } from "node:crypto";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "cachegen/runtime";
import { TeamRepository, type Team } from "../../fixtures/valid/full-featured-read-through/expected/team.js";
import { collectEvents, encryptionKeys, makeUser } from "../../runtime/helpers.js";
import { startCluster } from "../../cli/redis-fixtures.js";
import type { SpawnedRedis } from "../../support/redis-server.js";
import { UserTable, WriteBehindUserRepository } from "../../write-behind/fixtures.js";

const servers: SpawnedRedis[] = [];
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster(servers);
}, 30_000);

afterAll(async () => {
  cluster?.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

describe("guarantee 8 (cluster) for write-behind", () => {
  it("save, delete, the worker, tags, indexes and what `invalidates` names run on an ioredis Cluster with zero errors", async () => {
    const events = collectEvents();
    const redis = cluster as RedisClient;
    const keyPrefix = "cgtest:wb-cluster:";
    const team: Team = { id: randomUUID(), name: "t" };
    const teamRepo = new TeamRepository({
      redis,
      keyPrefix,
      onEvent: events.onEvent,
      source: { load: async () => team },
    });
    const table = new UserTable();
    const repo = new WriteBehindUserRepository({
      redis,
      source: table,
      keyPrefix,
      encryptionKeys,
      onEvent: events.onEvent,
    });
    const users = Array.from({ length: 20 }, () => makeUser({ teamId: team.id }));
    for (const user of users) await repo.save(user);
    await teamRepo.get(team.id);
    const worker = repo.startWorker({ pollMs: 50 });
    try {
      await repo.flush(10_000);
      expect(table.rows.size).toBe(20);
      expect(await cluster.exists(teamRepo.keyOf(team.id))).toBe(0);
      expect((await repo.getByEmail(users[1]!.email))?.id).toBe(users[1]!.id);
      await repo.invalidateTeam(team.id);
      expect(await repo.getMany(users.map((u) => u.id))).toEqual(users);
      await repo.delete(users[0]!.id);
      await repo.flush(10_000);
      expect(table.rows.has(users[0]!.id)).toBe(false);
    } finally {
      await worker.stop();
    }
    expect(events.of("redis-error")).toEqual([]);
    expect(repo.stats()).toMatchObject({ queued: 21, flushed: 21, redisErrors: 0 });
  });
});
