import { randomUUID } from "node:crypto";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, type RedisClient } from "cachegen/runtime";
import { TeamRepository, type Team } from "../../fixtures/valid/full-featured-read-through/expected/team.js";
import { UserRepository } from "../../runtime/fixtures/user.js";
import { collectEvents, encryptionKeys, makeUser, UserStoreWithMany } from "../../runtime/helpers.js";
import { startCluster } from "../../cli/redis-fixtures.js";
import { keySlot } from "../../../src/runtime/slots.js";
import type { SpawnedRedis } from "../../support/redis-server.js";

const servers: SpawnedRedis[] = [];
let cluster: Cluster;
const prefix = "cgtest:cluster:";

beforeAll(async () => {
  cluster = await startCluster(servers);
}, 30_000);

afterAll(async () => {
  cluster?.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

describe("guarantee 8: cluster", () => {
  it("the runtime's keySlot agrees with CLUSTER KEYSLOT, hash tags and UTF-8 included", async () => {
    const keys = ["", "a", "{User}:1.x:v:1", "app:User:1.x:{1bz}:v:é€", "{}x", "x{}y{z}", "{a}{b}", "123456789"];
    for (let i = 0; i < 100; i++) keys.push(`k${i}:${String.fromCharCode(32 + ((i * 37) % 500))}`);
    for (const key of keys) expect(keySlot(key), key).toBe(Number(await cluster.call("CLUSTER", "KEYSLOT", key)));
  });

  it("guarantee 8 (cluster): every operation runs on an ioredis Cluster with zero CROSSSLOT (or any other) errors", async () => {
    const events = collectEvents();
    const redis = cluster as RedisClient;
    const source = new UserStoreWithMany();
    const teams = new Map<string, Team>();
    const team: Team = { id: randomUUID(), name: "t" };
    teams.set(team.id, team);
    const teamRepo = new TeamRepository({
      redis,
      keyPrefix: prefix,
      onEvent: events.onEvent,
      source: { load: async ({ id }) => teams.get(id) ?? null },
    });
    const users = Array.from({ length: 20 }, () => source.put(makeUser({ teamId: team.id })));
    const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent });

    expect(await repo.get(users[0]!.id)).toEqual(users[0]);
    expect(await repo.get(users[0]!.id)).toEqual(users[0]);
    expect(await repo.getMany(users.map((u) => u.id))).toEqual(users);
    expect(await repo.getMany(users.map((u) => u.id))).toEqual(users);
    expect((await repo.getByEmail(users[1]!.email))?.id).toBe(users[1]!.id);
    expect((await repo.getByEmail(users[1]!.email))?.id).toBe(users[1]!.id);
    await teamRepo.get(team.id);
    await repo.save({ ...users[2]!, name: "changed", email: "changed@example.com" });
    expect(await cluster.exists(teamRepo.keyOf(team.id))).toBe(0);
    await repo.invalidateTeam(team.id);
    expect(await cluster.exists(repo.keyOf(users[3]!.id))).toBe(0);
    expect(await repo.refresh(users[4]!.id)).toEqual(users[4]);
    await repo.delete(users[5]!.id);
    expect(await repo.get(users[5]!.id)).toBeNull();

    expect(events.of("redis-error")).toEqual([]);
    expect(repo.stats().redisErrors).toBe(0);
    expect(repo.stats().hits).toBeGreaterThan(20);
    expect(await deleteByPrefix(redis, prefix)).toBeGreaterThan(0);
  });
});
