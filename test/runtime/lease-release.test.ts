// Issue 11 item 9 (read part): an exception (or a failed fill) after a miss took a lease gives the
// lease back at once, so the next reader loads instead of waiting out leaseTtlMs.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import {
  UserRepository,
  type User,
  type UserKey,
  type UserSource,
} from "../fixtures/valid/full-featured-read-through/expected/user.js";
import { collectEvents, connect, encryptionKeys, makeUser as makeRuntimeUser, uniquePrefix } from "./helpers.js";
import { leaseKeyOf } from "../support/key-layout.js";
import { until } from "../support/wait.js";

let redis: Redis;
const prefix = uniquePrefix("lease-release");
/** Long, so a lease left behind shows (the next reader would wait for it) rather than expiring meanwhile. */
const LEASE_TTL_MS = 30_000;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

/** An in-memory source whose next calls throw the values queued in `failures` (an Error or anything else). */
class FailingStore implements UserSource {
  readonly rows = new Map<string, User>();
  readonly failures: unknown[] = [];
  loads = 0;
  loadManyCalls = 0;
  indexLoads = 0;

  put(user: User): User {
    this.rows.set(user.id, user);
    return user;
  }

  async load(key: UserKey): Promise<User | null> {
    this.loads += 1;
    this.failNext();
    return this.rows.get(key.id) ?? null;
  }

  async loadMany(keys: UserKey[]): Promise<(User | null)[]> {
    this.loadManyCalls += 1;
    this.failNext();
    return keys.map((k) => this.rows.get(k.id) ?? null);
  }

  async loadByEmail(email: string): Promise<User | null> {
    this.indexLoads += 1;
    this.failNext();
    return [...this.rows.values()].find((u) => u.email === email) ?? null;
  }

  private failNext(): void {
    if (this.failures.length) throw this.failures.shift();
  }
}

/** A User of the golden definition (the runtime fixture's User has other fields). */
function makeUser(overrides: Partial<User> = {}): User {
  const { settings: _, ...user } = makeRuntimeUser();
  return { ...user, settings: { theme: "dark" }, score: 1.5, active: true, addresses: [], ...overrides } as User;
}

function repository(
  source: FailingStore,
  onEvent?: () => void,
): { repo: UserRepository; events: ReturnType<typeof collectEvents> } {
  const events = collectEvents();
  const repo = new UserRepository({
    redis,
    source,
    keyPrefix: prefix,
    encryptionKeys,
    leaseTtlMs: LEASE_TTL_MS,
    onEvent: onEvent ?? events.onEvent,
  });
  return { repo, events };
}

function leaseOf(repo: UserRepository, user: User): string {
  return leaseKeyOf(repo.keyOf(user.id));
}

const thrown: [string, () => unknown][] = [
  ["an Error", () => new Error("source down")],
  ["a non-Error value", () => "source down (a string)"],
];

const reads: [string, (repo: UserRepository, user: User) => Promise<User | null>][] = [
  ["get", (repo, user) => repo.get(user.id)],
  ["getByEmail", (repo, user) => repo.getByEmail(user.email)],
];

describe("a read that fails after taking a lease releases it at once", () => {
  describe.each(thrown)("the source throws %s", (_, failure) => {
    it.each(reads)("%s", async (_, read) => {
      const source = new FailingStore();
      const user = source.put(makeUser());
      const { repo } = repository(source);
      const error = failure();
      source.failures.push(error);
      await expect(read(repo, user)).rejects.toBe(error);
      expect(await redis.pttl(leaseOf(repo, user))).toBe(-2);

      const other = repository(source);
      expect(await read(other.repo, user)).toEqual(user);
      expect(other.events.of("lease-wait")).toEqual([]);
    });

    it("getMany", async () => {
      const source = new FailingStore();
      const users = [source.put(makeUser()), source.put(makeUser())];
      const { repo } = repository(source);
      const error = failure();
      source.failures.push(error);
      await expect(repo.getMany(users.map((u) => u.id))).rejects.toBe(error);
      for (const user of users) expect(await redis.pttl(leaseOf(repo, user))).toBe(-2);

      const other = repository(source);
      expect(await other.repo.getMany(users.map((u) => u.id))).toEqual(users);
      expect(other.events.of("lease-wait")).toEqual([]);
      expect(source.loadManyCalls).toBe(2);
    });

    it("the stale-while-revalidate refresh", async () => {
      const source = new FailingStore();
      const user = source.put(makeUser());
      const { repo } = repository(source);
      await repo.get(user.id);
      // Make the cached value stale: its freshUntil (the stored form's 2nd field) in the past.
      const valueKey = repo.keyOf(user.id);
      const stored = (await redis.get(valueKey))!;
      await redis.set(valueKey, stored.replace(/^v\|\d+\|/, "v|1|"), "PX", 60_000);
      const error = failure();
      source.failures.push(error);
      const other = repository(source);
      expect(await other.repo.get(user.id)).toEqual(user); // stale hit: the refresh throws in the background
      await until(() => other.events.of("refresh-failed").length === 1, 5_000);
      expect(other.events.of("refresh-failed")[0]!.error).toBe(error);
      expect(await redis.pttl(leaseOf(repo, user))).toBe(-2);
    });
  });

  it("an onEvent listener that throws on every event changes nothing (get misses, loads, fills)", async () => {
    const source = new FailingStore();
    const user = source.put(makeUser());
    const { repo } = repository(source, () => {
      throw new Error("listener bug");
    });
    expect(await repo.get(user.id)).toEqual(user);
    expect(await redis.pttl(leaseOf(repo, user))).toBe(-2);
    expect(await redis.exists(repo.keyOf(user.id))).toBe(1);
  });

  it("getMany whose fill script fails part-way (a foreign key of the wrong type in Redis) releases the leases it did not fill", async () => {
    const source = new FailingStore();
    const first = source.put(makeUser({ teamId: "5d1c2b3a-0000-4000-8000-000000000001" }));
    const second = source.put(makeUser({ teamId: "5d1c2b3a-0000-4000-8000-000000000002" }));
    const { repo } = repository(source);
    // The tag set the fill joins for `first` is a string: the script fails after filling `first`.
    const tagKey = leaseOf(repo, first).replace(/:l:.*$/, `:t:team:${first.teamId}`);
    await redis.set(tagKey, "not a set", "PX", 60_000);

    expect(await repo.getMany([first.id, second.id])).toEqual([first, second]);
    expect(await redis.pttl(leaseOf(repo, second))).toBe(-2);

    const other = repository(source);
    expect(await other.repo.get(second.id)).toEqual(second);
    expect(other.events.of("lease-wait")).toEqual([]);
  });
});
