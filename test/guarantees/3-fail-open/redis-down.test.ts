// Guarantee 3 against a spawned redis-server: killed and restarted (also a spawned cluster, every
// node killed and restarted), stopped (SIGSTOP), never ready, answering OOM, refusing scripts. A
// Redis that hangs behind a TCP proxy: hanging-redis.test.ts.
import { randomUUID } from "node:crypto";
import { Redis, type Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserRepository } from "../../runtime/fixtures/user.js";
import { collectEvents, encryptionKeys, makeUser, ownRedisServer, ready, UserStore } from "../../runtime/helpers.js";
import { SpawnedCluster } from "../../support/redis-cluster.js";
import { sleep, until } from "../../support/wait.js";

const own = ownRedisServer();
const prefix = "cgtest:failopen:";

/** A Redis of the file's own that a test may kill and restart: one server, or every node of a cluster. */
interface KillableRedis {
  readonly name: "single Redis" | "cluster";
  client(): Redis | Cluster;
  kill(): Promise<void>;
  /** Starts what `kill` stopped (empty) and resolves once it serves again. */
  restart(): Promise<void>;
}

let cluster: SpawnedCluster | undefined;
beforeAll(async () => {
  cluster = await SpawnedCluster.start();
}, 60_000);
afterAll(() => cluster?.stop());

const killable: KillableRedis[] = [
  {
    name: "single Redis",
    client: () => own.client(),
    kill: () => own.server.kill(),
    restart: () => own.server.startProcess(),
  },
  {
    name: "cluster",
    client: () => cluster!.client(),
    kill: async () => {
      await Promise.all(cluster!.servers.map((server) => server.kill()));
    },
    restart: async () => {
      await Promise.all(cluster!.servers.map((server) => server.startProcess()));
      await cluster!.waitUntilHealthy();
    },
  },
];

describe.each(killable)("guarantee 3: fail-open with Redis killed and restarted ($name)", (target) => {
  it(`guarantee 3 (fail-open, ${target.name}): Redis killed and restarted: reads never reject, the breaker opens, then closes and hits resume`, async () => {
    const redis = target.client();
    await until(() => redis.status === "ready", 10_000);
    const events = collectEvents();
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepository({
      redis,
      source,
      keyPrefix: prefix,
      encryptionKeys,
      onEvent: events.onEvent,
      breaker: { failureThreshold: 3, cooldownMs: 200 },
    });
    // A second repository on the same client shares the breaker.
    const other = new UserRepository({ redis, source, keyPrefix: `${prefix}other:`, encryptionKeys });
    await repo.get(user.id);
    expect(repo.stats().hits).toBe(0);

    await target.kill();
    // Down once a PING fails or hangs (a Cluster client may stay "ready" with every node gone).
    await until(
      () =>
        Promise.race([
          redis.ping().then(
            () => false,
            () => true,
          ),
          sleep(500).then(() => true),
        ]),
      10_000,
    );
    for (let i = 0; i < 6; i++) expect(await repo.get(user.id)).toEqual(user);
    expect(events.of("breaker-open")).toHaveLength(1);
    expect(repo.stats().breakerOpens).toBe(1);
    const t0 = Date.now();
    expect(await other.get(user.id)).toEqual(user);
    expect(Date.now() - t0).toBeLessThan(20);

    await target.restart(); // empty, like a restarted cache
    await until(() => redis.status === "ready", 10_000);
    await sleep(250); // cool-down, then the next call is the half-open probe
    await until(
      async () => {
        await repo.get(user.id);
        return repo.stats().hits > 0;
      },
      10_000,
      50,
    );
    expect(events.of("breaker-half-open").length).toBeGreaterThanOrEqual(1);
    expect(events.of("breaker-closed").length).toBeGreaterThanOrEqual(1);
    redis.disconnect();
  });
});

describe("guarantee 3: fail-open with Redis down, restarted, stopped, not ready or out of memory", () => {
  it("guarantee 3 (fail-open): a client that never becomes ready is waited for at most timeoutMs, then skipped for the cool-down; reads come from the source", async () => {
    // Nothing listens on this port: the client keeps reconnecting and is never ready.
    const redis = new Redis({ host: "127.0.0.1", port: 1, retryStrategy: () => 100, maxRetriesPerRequest: null });
    redis.on("error", () => undefined);
    try {
      const source = new UserStore();
      const user = source.put(makeUser());
      const repo = new UserRepository({
        redis,
        source,
        keyPrefix: prefix,
        encryptionKeys,
        timeoutMs: 1_000,
        breaker: { failureThreshold: 5, cooldownMs: 60_000 },
      });
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect(await repo.get(user.id)).toEqual(user);
      expect(await repo.getMany([user.id, randomUUID()])).toEqual([user, null]);
      await repo.save({ ...user, name: "x" }); // the source write succeeds, invalidation is queued
      // The first get waited timeoutMs (1000) for the client; nothing after it waited again.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(Date.now() - started).toBeLessThan(1_800);
      expect(source.rows.get(user.id)?.name).toBe("x");
      expect(repo.stats().redisErrors).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it("guarantee 3 (fail-open): a hanging Redis costs at most timeoutMs per call, then the breaker skips it; it recovers by itself", async () => {
    const redis = own.client({ maxRetriesPerRequest: null });
    await ready(redis);
    const source = new UserStore();
    const user = source.put(makeUser());
    const timeoutMs = 50;
    const repo = new UserRepository({
      redis,
      source,
      keyPrefix: prefix,
      encryptionKeys,
      timeoutMs,
      breaker: { failureThreshold: 2, cooldownMs: 300 },
    });
    await repo.get(user.id);
    own.server.signal("SIGSTOP");
    try {
      const durations: number[] = [];
      /** When a timer of timeoutMs set with each get fired, past its time: this process's own lag (a loaded CI machine). */
      const lags: Promise<number>[] = [];
      for (let i = 0; i < 6; i++) {
        const t = Date.now();
        lags.push(
          new Promise((resolve) => setTimeout(() => resolve(Math.max(0, Date.now() - t - timeoutMs)), timeoutMs)),
        );
        expect(await repo.get(user.id)).toEqual(user);
        durations.push(Date.now() - t);
      }
      const lateBy = await Promise.all(lags);
      // A miss while hanging: GET times out (one timeoutMs, as late as this process's own timers run);
      // with the breaker open: no wait at all.
      durations.forEach((d, i) => expect(d).toBeLessThan(timeoutMs + 40 + lateBy[i]!));
      expect(durations.slice(-3).every((d) => d < 15)).toBe(true);
      expect(repo.stats().breakerOpens).toBe(1);
    } finally {
      own.server.signal("SIGCONT");
    }
    await sleep(350);
    await until(
      async () => {
        await repo.get(user.id);
        return repo.stats().hits > 0;
      },
      5000,
      50,
    );
    redis.disconnect();
  });

  it("guarantee 3 (fail-open): Redis answering OOM: reads still succeed and errors are counted", async () => {
    const redis = own.client();
    await ready(redis);
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepository({
      redis,
      source,
      keyPrefix: prefix,
      encryptionKeys,
      breaker: { failureThreshold: 1000 },
    });
    await own.admin.config("SET", "maxmemory-policy", "noeviction");
    await own.admin.config("SET", "maxmemory", "1");
    try {
      expect(await repo.get(user.id)).toEqual(user);
      expect(await repo.getMany([user.id, randomUUID()])).toEqual([user, null]);
      await repo.save({ ...user, name: "oom" });
      expect(repo.stats().redisErrors).toBeGreaterThan(0);
    } finally {
      await own.admin.config("SET", "maxmemory", "0");
    }
    expect((await repo.get(user.id))?.name).toBe("oom");
    redis.disconnect();
  });

  it("an invalidation that fails after the source write is retried when Redis is back; reads meanwhile bypass the stale value", async () => {
    const redis = own.client();
    await ready(redis);
    const events = collectEvents();
    const source = new UserStore();
    const user = source.put(makeUser({ name: "v1" }));
    const repo = new UserRepository({
      redis,
      source,
      keyPrefix: prefix,
      encryptionKeys,
      onEvent: events.onEvent,
      breaker: { failureThreshold: 100 },
    });
    await repo.get(user.id);
    // Scripts fail (NOPERM) while plain GETs still work: the stale v1 stays in Redis.
    await own.admin.call("ACL", "SETUSER", "default", "-eval", "-evalsha");
    try {
      await repo.save({ ...user, name: "v2" }); // resolves: the source has it
      expect(events.of("redis-error").some((e) => e.detail === "invalidate")).toBe(true);
      expect(await own.admin.get(repo.keyOf(user.id))).toContain('"name":"v1"');
      expect((await repo.get(user.id))?.name).toBe("v2"); // pending invalidation: bypass the cache
    } finally {
      await own.admin.call("ACL", "SETUSER", "default", "+@all");
    }
    await until(async () => (await own.admin.exists(repo.keyOf(user.id))) === 0, 5000, 20);
    expect((await repo.get(user.id))?.name).toBe("v2");
    redis.disconnect();
  });
});
