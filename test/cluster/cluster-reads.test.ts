// Reads on a Redis Cluster (src/runtime/cluster-reads.ts): a batch of keys spread over many slots
// is read with one pipeline of per-slot MGETs per node, every node at once, never CROSSSLOT; with
// ioredis 5 and 6 alike. Runs on a spawned 3-master cluster.
import { Cluster as Cluster5 } from "ioredis";
import { Cluster as Cluster6 } from "ioredis6";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetBatcher } from "../../src/runtime/batcher.js";
import { keySlot } from "../../src/runtime/slots.js";
import type { CommandClient } from "../../src/runtime/command-client.js";
import { entityRedis } from "../../src/runtime/entity-redis.js";
import { RedisGuard } from "../../src/runtime/redis-guard.js";
import type { RedisClient } from "cachegen/runtime";
import { UserRepository } from "../runtime/fixtures/user.js";
import { collectEvents, encryptionKeys, makeUser, uniquePrefix, UserStoreWithMany } from "../runtime/helpers.js";
import type { SpawnedCluster } from "../support/redis-cluster.js";
import { useSpawnedCluster } from "../support/use-spawned-cluster.js";
import { until } from "../support/wait.js";

const spawned = useSpawnedCluster();

/** A guard over `client` that records every Redis error it reports. */
function guarded(client: CommandClient): { guard: RedisGuard; errors: unknown[] } {
  const errors: unknown[] = [];
  const guard = new RedisGuard(
    client,
    2000,
    { failureThreshold: 1000, cooldownMs: 1000 },
    { onError: (error) => errors.push(error), onTransition: () => undefined },
  );
  return { guard, errors };
}

function readAll(batcher: GetBatcher, keys: readonly string[]): Promise<(string | null)[]> {
  return Promise.all(
    keys.map(
      (key) =>
        new Promise<string | null>((resolve, reject) =>
          batcher.read(key, (value, failure) =>
            failure ? reject(failure.error as Error) : resolve(value?.toString() ?? null),
          ),
        ),
    ),
  );
}

describe.each([
  ["ioredis 5", (c: SpawnedCluster) => new Cluster5(c.startupNodes)],
  ["ioredis 6", (c: SpawnedCluster) => new Cluster6(c.startupNodes)],
])("reads across slots on a Cluster (%s)", (_name, connect) => {
  let client: CommandClient & { disconnect(): void; set(k: string, v: string): Promise<unknown> };
  const keys: string[] = [];
  beforeAll(async () => {
    client = connect(spawned.cluster) as unknown as typeof client;
    (client as unknown as Cluster5).on("error", () => undefined);
    await until(() => client.status === "ready", 10_000);
    for (let i = 0; i < 600; i++) keys.push(`cgtest:cops:${_name}:{${i % 200}}:${i}`);
    await Promise.all(keys.filter((_, i) => i % 3 !== 0).map((key) => client.set(key, `v:${key}`)));
  }, 30_000);
  afterAll(() => client?.disconnect());

  it("the same-tick batcher reads 600 keys over 200 slots: one pipeline per node, values in order, no error", async () => {
    expect(new Set(keys.map(keySlot)).size).toBe(200);
    const { guard, errors } = guarded(client);
    const pipelines = countPipelines(client);
    const values = await readAll(new GetBatcher(guard), keys);
    expect(values).toEqual(keys.map((key, i) => (i % 3 !== 0 ? `v:${key}` : null)));
    expect(errors).toEqual([]);
    expect(pipelines.count).toBe(3);
  });

  it("a pipeline the client refuses (slot table changed, an ioredis wanting one slot per pipeline) is read as its MGETs one by one", async () => {
    const { guard, errors } = guarded(client);
    const target = client as unknown as {
      pipeline: () => { mgetBuffer(keys: string[]): unknown; exec(): Promise<unknown> };
    };
    const original = target.pipeline;
    target.pipeline = () => {
      const pipeline = original.call(client);
      pipeline.exec = () => Promise.reject(new Error("All keys in the pipeline should belong to the same slot"));
      return pipeline;
    };
    try {
      const values = await readAll(new GetBatcher(guard), keys);
      expect(values).toEqual(keys.map((key, i) => (i % 3 !== 0 ? `v:${key}` : null)));
      expect(errors).toEqual([]);
    } finally {
      target.pipeline = original;
    }
  });

  it("EntityRedis.readMany (getMany's read) reads 600 keys over 200 slots: values in order, one reply run, no error", async () => {
    const { guard, errors } = guarded(client);
    const redis = entityRedis(guard, undefined as never, { leaseTtlMs: 1000, writeTimeoutMs: 1000 });
    const runs: [number, number][] = [];
    const values = new Array<string | null>(keys.length);
    await redis.readMany([...keys], (from, count, reply) => {
      runs.push([from, count]);
      if (!reply.ok) throw reply.error;
      for (let i = 0; i < count; i++) values[from + i] = reply.value[i]?.toString() ?? null;
    });
    expect(values).toEqual(keys.map((key, i) => (i % 3 !== 0 ? `v:${key}` : null)));
    expect(runs).toEqual([[0, keys.length]]);
    expect(errors).toEqual([]);
  });
  it("the generated repository's getMany and same-tick gets of 300 users (over every bucket's slot): no error, one pipeline per node for the hits", async () => {
    const source = new UserStoreWithMany();
    const users = Array.from({ length: 300 }, () => source.put(makeUser()));
    const events = collectEvents();
    const repo = new UserRepository({
      redis: client as unknown as RedisClient,
      source,
      keyPrefix: uniquePrefix("cluster-reads"),
      encryptionKeys,
      timeoutMs: 2000, // routing, not latency, is tested here (the machine may be busy)
      onEvent: events.onEvent,
    });
    const ids = users.map((u) => u.id);
    expect(new Set(ids.map((id) => keySlot(repo.keyOf(id)))).size).toBeGreaterThan(32);
    expect(await repo.getMany(ids)).toEqual(users); // misses: leases and fills per slot
    const pipelines = countPipelines(client);
    expect(await repo.getMany(ids)).toEqual(users);
    expect(pipelines.count).toBe(3);
    expect(await Promise.all(ids.map((id) => repo.get(id)))).toEqual(users);
    expect(pipelines.count).toBe(6);
    expect(
      events.of("redis-error").map((e) => `${"detail" in e ? e.detail : ""}: ${String("error" in e ? e.error : "")}`),
    ).toEqual([]);
    expect(repo.stats()).toMatchObject({ hits: 600, redisErrors: 0 });
  });
});

/** Counts the pipelines a client opens. */
function countPipelines(client: CommandClient): { count: number } {
  const counter = { count: 0 };
  const target = client as unknown as { pipeline: (...args: unknown[]) => unknown };
  const original = target.pipeline.bind(target);
  target.pipeline = (...args) => {
    counter.count++;
    return original(...args);
  };
  return counter;
}
