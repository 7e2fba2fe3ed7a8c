// Per-entry TTL (`expiresAt: <datetime field>`): on every fill path (get, getMany, index reads,
// write-through save, write-behind landing) no key of an entry outlives the entity's own expiry;
// an already expired row is returned but not cached; a null expiresAt leaves the ttl alone.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import {
  defineEntity,
  Repository,
  WriteBehindRepository,
  type EntityDefinition,
  type WriteBehindSource,
} from "cachegen/runtime";
import { fileRedis } from "./helpers.js";
import { scanKeys } from "../support/scan-keys.js";

interface Session {
  id: string;
  token: string;
  validUntil: Date | null;
}
type SessionKey = { id: string };

const HOUR = 3_600_000;
/** The time a write takes to reach Redis on a loaded 2-core machine: how far past expiresAt a relative TTL can reach. */
const TRANSIT_MS = 25;
const sessionEntity = defineEntity<Session, SessionKey>({
  name: "Session",
  schemaFile: "schemas/session.yaml",
  keyPrefix: "app",
  namespace: "1.expires",
  key: ["id"],
  fields: { id: "uuid", token: "string", validUntil: { type: "datetime", nullable: true } },
  strategy: "read-through",
  ttlMs: HOUR,
  jitter: 0,
  staleWhileRevalidateMs: 60_000,
  expiresAt: "validUntil",
  serializer: "json",
  indexes: { byToken: { fields: ["token"], load: "loadByToken" } },
  tags: { user: { pattern: "token:{token}", fields: ["token"] } },
  invalidates: [],
});

class SessionTable implements WriteBehindSource<Session, SessionKey> {
  readonly rows = new Map<string, Session>();
  loads = 0;
  put(session: Session): Session {
    this.rows.set(session.id, structuredClone(session));
    return session;
  }
  async load({ id }: SessionKey): Promise<Session | null> {
    this.loads += 1;
    return structuredClone(this.rows.get(id) ?? null);
  }
  async loadMany(keys: SessionKey[]): Promise<(Session | null)[]> {
    return Promise.all(keys.map((key) => this.load(key)));
  }
  async loadByToken(token: string): Promise<Session | null> {
    return structuredClone([...this.rows.values()].find((row) => row.token === token) ?? null);
  }
  async save(session: Session): Promise<void> {
    this.put(session);
  }
  async delete({ id }: SessionKey): Promise<void> {
    this.rows.delete(id);
  }
}

class SessionRepository extends Repository<Session, SessionKey, SessionTable> {
  getByToken(token: string): Promise<Session | null> {
    return this.getByIndex("byToken", [token]);
  }
}

let redis: Redis;
const prefix = fileRedis("expires", (client) => (redis = client));

function session(validInMs: number | null): Session {
  return {
    id: randomUUID(),
    token: randomUUID(),
    validUntil: validInMs === null ? null : new Date(Date.now() + validInMs),
  };
}

function setup(definition: EntityDefinition<Session, SessionKey> = sessionEntity) {
  const table = new SessionTable();
  const keyPrefix = `${prefix}${randomUUID().slice(0, 8)}:`;
  const repo = new SessionRepository(definition, { redis, source: table, keyPrefix });
  return { table, repo, keyPrefix };
}

/** PTTL of every key under the prefix that has a TTL (value, index entry, tag set; not the queue). */
async function ttlsUnder(keyPrefix: string): Promise<Map<string, number>> {
  const ttls = new Map<string, number>();
  for (const key of await scanKeys(redis, `${keyPrefix}*`)) {
    const ttl = await redis.pttl(key);
    if (ttl > 0) ttls.set(key, ttl);
  }
  return ttls;
}

/**
 * No key of the prefix outlives `validUntil`; the value key lives. (Redis TTLs are relative: the
 * write's own transit is the tolerance, TRANSIT_MS.) `tagSets: false` leaves out tag sets
 * (write-behind: a set joined at enqueue lives as long as its longest-lived member, and a queued
 * value has no TTL until its write lands).
 */
async function expectCapped(keyPrefix: string, valueKey: string, validUntil: Date, tagSets = true): Promise<void> {
  const before = Date.now();
  const ttls = await ttlsUnder(keyPrefix);
  expect(ttls.get(valueKey)).toBeGreaterThan(0);
  for (const [key, ttl] of ttls) {
    if (key.includes("lease") || (!tagSets && key.includes(":t:"))) continue;
    expect(ttl, key).toBeLessThanOrEqual(validUntil.getTime() - before + TRANSIT_MS);
  }
}

describe("expiresAt: an entry never outlives its own expiry", () => {
  it("get and getMany: each entry's TTL is capped by its own expiresAt, not by the ttl", async () => {
    const { table, repo, keyPrefix } = setup();
    const [a, b] = [table.put(session(3_000)), table.put(session(7_000))];
    expect(await repo.get(a.id)).toEqual(a);
    await expectCapped(keyPrefix, repo.keyOf(a.id), a.validUntil!);
    const [c, d] = [table.put(session(4_000)), table.put(session(9_000))];
    expect(await repo.getMany([b.id, c.id, d.id])).toEqual([b, c, d]);
    for (const s of [b, c, d]) {
      const before = Date.now();
      const ttl = await redis.pttl(repo.keyOf(s.id));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(s.validUntil!.getTime() - before + TRANSIT_MS);
    }
  });

  it("null expiresAt: the ttl applies (stale window included)", async () => {
    const { table, repo } = setup();
    const s = table.put(session(null));
    expect(await repo.get(s.id)).toEqual(s);
    const ttl = await redis.pttl(repo.keyOf(s.id));
    expect(ttl).toBeGreaterThan(HOUR - 10_000);
    expect(ttl).toBeLessThanOrEqual(HOUR + 60_000);
  });

  it("an expired row is returned but not cached (get, getMany, index read): every read goes to the source", async () => {
    const { table, repo, keyPrefix } = setup();
    const s = table.put(session(-1_000));
    expect(await repo.get(s.id)).toEqual(s);
    expect(await repo.get(s.id)).toEqual(s);
    expect(table.loads).toBe(2);
    expect(await repo.getMany([s.id])).toEqual([s]);
    expect(table.loads).toBe(3);
    expect(await repo.getByToken(s.token)).toEqual(s);
    expect([...(await ttlsUnder(keyPrefix)).keys()].filter((key) => !key.includes("lease"))).toEqual([]);
    expect(await redis.exists(repo.keyOf(s.id))).toBe(0);
  });

  it("a refresh that finds the row expired drops the cached entry", async () => {
    const { table, repo } = setup();
    const s = table.put(session(60_000));
    await repo.get(s.id);
    expect(await redis.exists(repo.keyOf(s.id))).toBe(1);
    table.put({ ...s, validUntil: new Date(Date.now() - 1) });
    await repo.refresh(s.id);
    expect(await redis.exists(repo.keyOf(s.id))).toBe(0);
  });

  it("index reads: the index entry is capped too", async () => {
    const { table, repo, keyPrefix } = setup();
    const s = table.put(session(5_000));
    expect(await repo.getByToken(s.token)).toEqual(s);
    expect(await repo.get(s.id)).toEqual(s);
    const ttls = await ttlsUnder(keyPrefix);
    expect(ttls.size).toBeGreaterThanOrEqual(2); // the index entry and the value
    await expectCapped(keyPrefix, repo.keyOf(s.id), s.validUntil!);
  });

  it("write-through save: the written value is capped; an expired one is not cached", async () => {
    const { repo, keyPrefix } = setup(defineEntity({ ...sessionEntity, strategy: "write-through" }));
    const s = session(4_000);
    await repo.save(s);
    await expectCapped(keyPrefix, repo.keyOf(s.id), s.validUntil!);
    const expired = session(-1);
    await repo.save(expired);
    expect(await redis.exists(repo.keyOf(expired.id))).toBe(0);
  });

  it("write-behind landing: the landed value is capped; an expired one is not kept once its write lands", async () => {
    const table = new SessionTable();
    const keyPrefix = `${prefix}wb:`;
    const definition = defineEntity<Session, SessionKey>({
      ...sessionEntity,
      strategy: "write-behind",
      writeBehind: { batchSize: 10, flushIntervalMs: 20, maxAttempts: 3 },
    });
    const repo = new WriteBehindRepository<Session, SessionKey, SessionTable>(definition, {
      redis,
      source: table,
      keyPrefix,
    });
    const worker = repo.startWorker({ pollMs: 20 } as never);
    try {
      const s = session(6_000);
      const expired = session(300);
      await repo.save(s);
      await repo.save(expired);
      await new Promise((resolve) => setTimeout(resolve, 400)); // expired's expiresAt passes while queued
      await repo.flush(5_000);
      expect(table.rows.get(s.id)).toEqual(s);
      await expectCapped(keyPrefix, repo.keyOf(s.id), s.validUntil!, false);
      expect(table.rows.get(expired.id)).toEqual(expired);
      expect(await redis.exists(repo.keyOf(expired.id))).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
