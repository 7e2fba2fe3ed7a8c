// Soft invalidation: `invalidate(key, { soft: true })` and `invalidateTag(tag, { soft: true })` mark
// entries stale (freshUntil 0 in the header, TTL kept) and still revoke leases; with
// staleWhileRevalidate the next reads are answered with the stale value while exactly one refresh
// runs (across repositories sharing the Redis), then the fresh value is served. Without the window
// a soft invalidation is a drop.
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { UserRepository as GeneratedUserRepository } from "../fixtures/valid/full-featured-read-through/expected/user.js";
import { goldenUser } from "./fixtures/golden-user.js";
import { collectEvents, encryptionKeys, fileRedis, makeUser, UserRepo, UserStore, userVariant } from "./helpers.js";
import { until } from "../support/wait.js";

let redis: Redis;
const prefix = fileRedis("soft", (client) => (redis = client));

const withWindow = userVariant({ staleWhileRevalidateMs: 60_000, jitter: 0 });
const withoutWindow = userVariant({ jitter: 0 });

function repositories(count: number, definition = withWindow) {
  const store = new UserStore();
  const events = collectEvents();
  const repos = Array.from(
    { length: count },
    () =>
      new UserRepo(definition, { redis, source: store, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent }),
  );
  return { store, repos, events };
}

/** The freshUntil of the stored header (`<kind>|<freshUntil>|...`). */
async function freshUntilOf(key: string): Promise<number> {
  const raw = await redis.getBuffer(key);
  return Number(raw?.toString("latin1").split("|")[1]);
}

describe("soft invalidation", () => {
  it("with staleWhileRevalidate: marks stale keeping the TTL; 2 repositories x 10 concurrent reads -> all answered stale, exactly 1 load, then fresh", async () => {
    const { store, repos, events } = repositories(2);
    const user = store.put(makeUser({ name: "old" }));
    await repos[0]!.get(user.id);
    const key = repos[0]!.keyOf(user.id);
    const ttlBefore = await redis.pttl(key);
    store.put({ ...user, name: "new" });
    await repos[0]!.invalidate(user.id, { soft: true });
    expect(await freshUntilOf(key)).toBe(0);
    expect(await redis.pttl(key)).toBeGreaterThan(ttlBefore - 1_000); // TTL kept
    const held = store.holdNextLoad();
    const loadsBefore = store.loads;
    events.events.length = 0;
    const reads = await Promise.all(repos.flatMap((repo) => Array.from({ length: 10 }, () => repo.get(user.id))));
    expect(reads.map((read) => read?.name)).toEqual(Array(20).fill("old")); // answered while the refresh is held
    await held.loaded;
    held.release();
    await until(async () => (await freshUntilOf(key)) > Date.now());
    expect(store.loads - loadsBefore).toBe(1);
    expect((await repos[1]!.get(user.id))?.name).toBe("new");
    // each repository's concurrent reads share one Redis read: 2 stale hits, the other 18 joined them
    expect(events.of("stale-hit").length + events.of("coalesced").length).toBe(20);
    expect(events.of("miss").length).toBe(0);
    expect(events.of("stale-hit").length).toBeGreaterThanOrEqual(2);
  });

  it("still revokes the lease: a refresh in flight (it read the older row) loses, the entry stays stale", async () => {
    const { store, repos, events } = repositories(1);
    const [repo] = repos;
    const user = store.put(makeUser({ name: "v1" }));
    await repo!.get(user.id);
    const held = store.holdNextLoad();
    const refresh = repo!.refresh(user.id);
    await held.loaded; // the refresh holds the lease and has read v1
    store.put({ ...user, name: "v2" });
    await repo!.invalidate(user.id, { soft: true });
    held.release();
    await refresh;
    expect(events.of("fill-rejected").length).toBe(1);
    expect(await freshUntilOf(repo!.keyOf(user.id))).toBe(0); // not restamped fresh by the older fill
  });

  it("without staleWhileRevalidate: a soft invalidation drops the entry (the next read loads)", async () => {
    const { store, repos } = repositories(1, withoutWindow);
    const [repo] = repos;
    const user = store.put(makeUser({ name: "old" }));
    await repo!.get(user.id);
    store.put({ ...user, name: "new" });
    await repo!.invalidate(user.id, { soft: true });
    expect(await redis.exists(repo!.keyOf(user.id))).toBe(0);
    expect((await repo!.get(user.id))?.name).toBe("new");
  });

  it("a hard invalidation still drops (soft is opt-in)", async () => {
    const { store, repos } = repositories(1);
    const user = store.put(makeUser());
    await repos[0]!.get(user.id);
    await repos[0]!.invalidate(user.id);
    expect(await redis.exists(repos[0]!.keyOf(user.id))).toBe(0);
  });

  it("tags, through the generated invalidateByTeam(teamId, { soft: true }): members stale (TTL kept), served stale while one refresh each runs", async () => {
    const rows = new Map<string, ReturnType<typeof goldenUser>>();
    let loads = 0;
    const source = {
      load: async ({ id }: { id: string }) => {
        loads += 1;
        return structuredClone(rows.get(id) ?? null);
      },
      loadByEmail: async () => null,
    };
    const users = new GeneratedUserRepository({ redis, source, keyPrefix: `${prefix}gen:`, encryptionKeys });
    const teamId = "3b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1e07";
    const members = [goldenUser({ teamId, name: "old" }), goldenUser({ teamId, name: "old" })];
    for (const member of members) rows.set(member.id, member);
    await users.getMany(members.map((member) => member.id));
    for (const member of members) rows.set(member.id, { ...member, name: "new" });
    loads = 0;
    await users.invalidateByTeam(teamId, { soft: true });
    for (const member of members) {
      expect(await freshUntilOf(users.keyOf(member.id))).toBe(0);
      expect(await redis.pttl(users.keyOf(member.id))).toBeGreaterThan(0);
    }
    const reads = await Promise.all(members.flatMap((member) => [users.get(member.id), users.get(member.id)]));
    expect(reads.map((read) => read?.name)).toEqual(["old", "old", "old", "old"]);
    await until(async () => (await freshUntilOf(users.keyOf(members[1]!.id))) > Date.now() && loads === 2);
    expect(loads).toBe(2);
    expect((await users.get(members[0]!.id))?.name).toBe("new");
    // the tag set was kept: a hard invalidation of the tag still finds the members
    await users.invalidateByTeam(teamId);
    for (const member of members) expect(await redis.exists(users.keyOf(member.id))).toBe(0);
  });
});
