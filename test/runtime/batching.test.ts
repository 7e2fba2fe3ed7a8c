// Read batching (src/runtime/batcher.ts): the value GETs a repository issues in the same tick go
// out as one MGET; a lone get is still exactly one GET. Write batching (src/runtime/scripts/script-batcher.ts):
// write-through puts issued in the same tick go out as one script call. Exact counts come from INFO
// commandstats on a redis-server of our own.
import { randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import { commandStats, diffStats, resilientClient, SpawnedRedis } from "../support/redis-server.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH } from "../../src/runtime/batcher.js";
import { KeySpace } from "../../src/runtime/key-space.js";
import { chunkSize, MIN_CHUNK, SPLIT } from "../../src/runtime/chunking.js";
import { MAX_SCRIPT_BATCH } from "../../src/runtime/scripts/script-batcher.js";
import {
  orderLineEntity,
  type OrderLine,
  type OrderLineKey,
} from "../fixtures/valid/composite-key-write-through/expected/order-line.js";
import { TeamRepository, type Team } from "../fixtures/valid/full-featured-read-through/expected/team.js";
import { defineEntity, Repository, type EntitySource, type RepositoryOptions } from "cachegen/runtime";
import { UserRepository, type User, type UserKey, type UserSource } from "./fixtures/user.js";
import {
  collectEvents,
  encryptionKeys,
  makeUser,
  recordCommands,
  UserRepo,
  UserStore,
  userVariant,
} from "./helpers.js";
import { sleep, until } from "../support/wait.js";

let server: SpawnedRedis;
let admin: Redis;
let redis: Redis;
const prefix = "cgtest:batching:";

function client(): Redis {
  return resilientClient(server.port);
}

beforeAll(async () => {
  server = await SpawnedRedis.start();
  admin = client();
  redis = client();
  await until(() => admin.status === "ready" && redis.status === "ready", 5000);
});

afterAll(async () => {
  admin.disconnect();
  redis.disconnect();
  await server.stop();
});

/** A repository over `count` users, all cached (filled by one getMany). */
async function cachedUsers(count: number, options: Pick<RepositoryOptions<UserSource>, "timeoutMs" | "onEvent"> = {}) {
  const source = new UserStore();
  const users = Array.from({ length: count }, () => source.put(makeUser()));
  const repo = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys, ...options });
  await repo.getMany(users.map((u) => u.id));
  source.loads = 0;
  return { source, users, repo };
}

describe("read batching", () => {
  it("gets issued in the same tick go out as ONE MGET, results in the callers' order", async () => {
    const { users, repo, source } = await cachedUsers(10);
    const before = await commandStats(admin);
    const results = await Promise.all(users.map((u) => repo.get(u.id)));
    expect(diffStats(before, await commandStats(admin))).toEqual({ mget: 1 });
    expect(results).toEqual(users);
    expect(source.loads).toBe(0);
    expect(repo.stats()).toMatchObject({ hits: 10, misses: 10 }); // the misses are from filling the cache
  });

  it("a lone get is exactly one GET (it waits for no timer)", async () => {
    const { users, repo } = await cachedUsers(1);
    const before = await commandStats(admin);
    const started = performance.now();
    expect(await repo.get(users[0]!.id)).toEqual(users[0]);
    expect(performance.now() - started).toBeLessThan(50);
    expect(diffStats(before, await commandStats(admin))).toEqual({ get: 1 });
  });

  it("gets issued several promise hops apart, but before the tick ends, still share the MGET", async () => {
    const { users, repo } = await cachedUsers(3);
    const commands = recordCommands(redis);
    const hops = async (n: number, id: string): Promise<User | null> => {
      for (let i = 0; i < n; i++) await Promise.resolve();
      return repo.get(id);
    };
    const results = await Promise.all([hops(0, users[0]!.id), hops(3, users[1]!.id), hops(7, users[2]!.id)]);
    expect(results).toEqual(users);
    expect(commands.names).toEqual(["mget"]);
  });

  it("gets in different ticks are separate commands (nothing is held back for a later tick)", async () => {
    const { users, repo } = await cachedUsers(2);
    const commands = recordCommands(redis);
    const first = repo.get(users[0]!.id);
    await new Promise((resolve) => setImmediate(resolve));
    const second = repo.get(users[1]!.id);
    expect(await Promise.all([first, second])).toEqual(users);
    expect(commands.names).toEqual(["get", "get"]);
  });

  it("a batch mixing hits and misses answers every caller correctly, in order; the misses go through the lease", async () => {
    const { users, repo, source } = await cachedUsers(3);
    const fresh = source.put(makeUser());
    const absent = randomUUID();
    const ids = [users[0]!.id, absent, fresh.id, users[2]!.id, users[1]!.id];
    const results = await Promise.all(ids.map((id) => repo.get(id)));
    expect(results).toEqual([users[0], null, fresh, users[2], users[1]]);
    expect(source.loads).toBe(2);
    expect(await repo.get(fresh.id)).toEqual(fresh);
    expect(source.loads).toBe(2);
  });

  it("each repository batches its own keys: two entities on one client are two MGETs (one slot each on a Cluster)", async () => {
    const { users, repo } = await cachedUsers(2);
    const teams = new Map<string, Team>();
    const team: Team = { id: randomUUID(), name: "t" };
    const team2: Team = { id: randomUUID(), name: "u" };
    teams.set(team.id, team).set(team2.id, team2);
    const teamRepo = new TeamRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async ({ id }) => teams.get(id) ?? null },
    });
    await teamRepo.getMany([team.id, team2.id]);
    const commands = recordCommands(redis);
    const results = await Promise.all([
      repo.get(users[0]!.id),
      teamRepo.get(team.id),
      repo.get(users[1]!.id),
      teamRepo.get(team2.id),
    ]);
    expect(results).toEqual([users[0], team, users[1], team2]);
    expect(commands.names).toEqual(["mget", "mget"]);
  });

  it(`a larger batch is a few MGETs sent together (chunkSize), none above ${MAX_BATCH} keys, each get answered from its own`, async () => {
    expect(chunkSize(MIN_CHUNK, MAX_BATCH)).toBe(MIN_CHUNK);
    expect(chunkSize(64, MAX_BATCH)).toBe(64 / SPLIT);
    expect(chunkSize(SPLIT * MAX_BATCH + 10, MAX_BATCH)).toBe(MAX_BATCH);
    const { users, repo } = await cachedUsers(64);
    const commands = recordCommands(redis);
    const results = await Promise.all(users.map((u) => repo.get(u.id)));
    expect(results).toEqual(users);
    expect(commands.names).toEqual(Array(SPLIT).fill("mget"));
    expect(commands.args.map((a) => a.length)).toEqual(Array(SPLIT).fill(64 / SPLIT));

    const many = await cachedUsers(SPLIT * MAX_BATCH + 10);
    const before = await commandStats(admin);
    expect(await Promise.all(many.users.map((u) => many.repo.get(u.id)))).toEqual(many.users);
    expect(diffStats(before, await commandStats(admin))).toEqual({ mget: SPLIT + 1 });
  });

  it(`a batch of up to ${MIN_CHUNK} gets is one MGET`, async () => {
    const { users, repo } = await cachedUsers(MIN_CHUNK);
    const commands = recordCommands(redis);
    expect(await Promise.all(users.map((u) => repo.get(u.id)))).toEqual(users);
    expect(commands.names).toEqual(["mget"]);
  });

  it("fail-open per key: a failed MGET makes every get of the batch load from the source, once each, with one redis-error", async () => {
    const events = collectEvents();
    const { users, repo, source } = await cachedUsers(4, { onEvent: events.onEvent });
    const target = redis as unknown as { mgetBuffer(keys: string[]): Promise<unknown> };
    const original = target.mgetBuffer;
    target.mgetBuffer = () => Promise.reject(new Error("injected MGET failure"));
    try {
      const results = await Promise.all(users.map((u) => repo.get(u.id)));
      expect(results).toEqual(users);
    } finally {
      target.mgetBuffer = original;
    }
    expect(source.loads).toBe(4);
    expect(events.of("redis-error").map((e) => e.detail)).toEqual(["mget"]);
    expect(repo.stats()).toMatchObject({ redisErrors: 1, misses: 4 + 4 }); // 4 from filling the cache
    // Redis is fine again: the next batch is served from it.
    expect(await Promise.all(users.map((u) => repo.get(u.id)))).toEqual(users);
    expect(source.loads).toBe(4);
  });

  it("fail-open per key: a hanging Redis costs the batch at most timeoutMs, then every get is answered from the source", async () => {
    const { users, repo, source } = await cachedUsers(5, { timeoutMs: 150 });
    server.signal("SIGSTOP");
    try {
      const started = performance.now();
      const results = await Promise.all(users.map((u) => repo.get(u.id)));
      const elapsed = performance.now() - started;
      expect(results).toEqual(users);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1_000);
      expect(source.loads).toBe(5);
    } finally {
      server.signal("SIGCONT");
    }
    await until(async () => (await admin.ping()) === "PONG");
  });

  it("on one connection, calls sent behind a call Redis did not answer within timeoutMs time out with it; a call sent after has its own full bound", async () => {
    const { users, repo } = await cachedUsers(3, { timeoutMs: 150 });
    server.signal("SIGSTOP");
    try {
      const started = performance.now();
      const first = repo.get(users[0]!.id).then(() => performance.now() - started);
      await sleep(80);
      // Its reply would come after the first's, which Redis has not given: no need to wait longer.
      const second = repo.get(users[1]!.id).then(() => performance.now() - started);
      const [a, b] = await Promise.all([first, second]);
      expect(a).toBeGreaterThanOrEqual(145);
      expect(b).toBeGreaterThanOrEqual(145);
      expect(Math.abs(b - a)).toBeLessThan(40);
      const third = performance.now();
      await repo.get(users[2]!.id);
      expect(performance.now() - third).toBeGreaterThanOrEqual(145);
    } finally {
      server.signal("SIGCONT");
    }
    await until(async () => (await admin.ping()) === "PONG");
  });
});

describe("write batching (write-through puts)", () => {
  const writeThrough = userVariant({ strategy: "write-through" });
  // A write-through entity with a versionField and no `invalidates`, whose source answers the row it
  // kept: a save of a new line is one writer mark (before the source write) and one put, each batched per tick.
  const lineSource = (): EntitySource<OrderLine, OrderLineKey> & { saves: number } => ({
    saves: 0,
    load: async () => null,
    async save(line) {
      this.saves += 1;
      return line;
    },
    delete: async () => undefined,
  });
  const lineRepository = (source: EntitySource<OrderLine, OrderLineKey>) =>
    new Repository(orderLineEntity, { redis, source, keyPrefix: prefix });
  const line = (): OrderLine => ({
    orderId: randomUUID(),
    lineNo: 1,
    sku: "s-1",
    quantity: 2,
    unitPrice: 9.5,
    updatedAt: new Date("2024-01-02T03:04:05.000Z"),
  });
  const keyOf = ({ orderId, lineNo }: OrderLine) => ({ orderId, lineNo });

  it("saves issued in the same tick are ONE script call per step (mark, tag sets, put, index entries); every value is cached as a lone save would cache it", async () => {
    const source = lineSource();
    const lines = Array.from({ length: 8 }, line);
    const repo = lineRepository(source);
    await repo.save(line()); // loads the script
    const before = await commandStats(admin);
    await Promise.all(lines.map((l) => repo.save(l)));
    const delta = diffStats(before, await commandStats(admin));
    // The tag sets and index entries are in other slots than the value: steps of their own, batched too.
    expect(delta.evalsha).toBe(4);
    expect(source.saves).toBe(9);
    const commands = recordCommands(redis);
    expect(await Promise.all(lines.map((l) => repo.get(keyOf(l))))).toEqual(lines);
    expect(commands.names).toEqual(["mget"]);
  });

  it("a larger batch of saves is split into a few script calls (chunkSize), each save answered as alone", async () => {
    expect(chunkSize(MIN_CHUNK, MAX_SCRIPT_BATCH)).toBe(MIN_CHUNK);
    expect(chunkSize(MIN_CHUNK + 1, MAX_SCRIPT_BATCH)).toBe(MIN_CHUNK);
    expect(chunkSize(64, MAX_SCRIPT_BATCH)).toBe(Math.max(MIN_CHUNK, 64 / SPLIT));
    expect(chunkSize(100_000, MAX_SCRIPT_BATCH)).toBe(MAX_SCRIPT_BATCH);
    const source = lineSource();
    const repo = lineRepository(source);
    await repo.save(line()); // loads the scripts
    await Promise.all([line(), line()].map((l) => repo.save(l)));
    const lines = Array.from({ length: 40 }, line);
    const before = await commandStats(admin);
    await Promise.all(lines.map((l) => repo.save(l)));
    // mark, tag sets, put, index entries: each split in chunks (the tag sets and index entries of
    // 40 saves may be sent over two ticks, each chunked).
    const scripts = diffStats(before, await commandStats(admin)).evalsha;
    expect(scripts).toBeGreaterThanOrEqual(4 * Math.ceil(40 / chunkSize(40, MAX_SCRIPT_BATCH)));
    expect(scripts).toBeLessThanOrEqual(6 * Math.ceil(40 / chunkSize(40, MAX_SCRIPT_BATCH)));
    expect(await Promise.all(lines.map((l) => repo.get(keyOf(l))))).toEqual(lines);
  });

  it("a lone save is four scripts: the writer mark, its tag set, the put, its index entry", async () => {
    const source = lineSource();
    const repo = lineRepository(source);
    await repo.save(line()); // loads the script
    const one = line();
    const commands = recordCommands(redis);
    await repo.save(one);
    expect(commands.names).toEqual(["evalsha", "evalsha", "evalsha", "evalsha"]);
    commands.reset();
    expect(await repo.get(keyOf(one))).toEqual(one);
    expect(commands.names).toEqual(["get"]);
  });

  it("an entry that fails in the batch fails alone: the others are written, and the failed key is invalidated later", async () => {
    const users = Array.from({ length: 4 }, () => makeUser());
    // Without versionField the value written is what the source holds: each put can cache it.
    const { versionField: _dropped, ...unversioned } = userVariant({ strategy: "write-through" });
    const definition = defineEntity<User, UserKey>(unversioned);
    const keys = new KeySpace(definition, prefix);
    const writers = keys.writersKeyOfEnc(keys.resolve(users[1]!.id).enc);
    // Once the source has users[1], a string takes its writers set's place: SREM inside its put raises WRONGTYPE.
    const source = new (class extends UserStore {
      override async save(user: User): Promise<void> {
        await super.save(user);
        if (user.id === users[1]!.id) await redis.set(writers, "not a set");
      }
    })();
    const repo = new UserRepo(definition, { redis, source, keyPrefix: prefix, encryptionKeys });
    await Promise.all(users.map((u) => repo.save(u)));
    expect(await redis.exists(repo.keyOf(users[1]!.id))).toBe(0);
    for (const u of [users[0]!, users[2]!, users[3]!]) expect(await redis.exists(repo.keyOf(u.id))).toBe(1);
    await redis.del(writers);
    expect(await Promise.all(users.map((u) => repo.get(u.id)))).toEqual(users);
    await repo.close();
  });

  // The order itself (a batched put sent before a script issued after it) is test/runtime/slot-scripts.test.ts.
  it("a save and an invalidate started in the same tick: the invalidation wins", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const repo = new UserRepo(writeThrough, { redis, source, keyPrefix: prefix, encryptionKeys });
    const commands = recordCommands(redis);
    // save (put pending in the batcher) then invalidate in the same tick: the invalidation must win.
    const saved = repo.save({ ...user, name: "Grace" });
    await Promise.resolve();
    const invalidated = repo.invalidate(user.id);
    await Promise.all([saved, invalidated]);
    expect(commands.names.filter((n) => n === "evalsha").length).toBeGreaterThanOrEqual(2);
    expect(await redis.exists(repo.keyOf(user.id))).toBe(0);
  });
});
