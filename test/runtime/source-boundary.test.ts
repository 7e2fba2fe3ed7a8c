import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineEntity, deleteByPrefix, InvalidKeyError, Repository, type CacheEvent } from "cachegen/runtime";
import { ArticleRepository, type Article } from "../fixtures/valid/minimal-cache-aside/expected/article.js";
import {
  OrderLineRepository,
  type OrderLine,
  type OrderLineKey,
} from "../fixtures/valid/composite-key-write-through/expected/order-line.js";
import { OrderRepository, type Order } from "../fixtures/valid/write-behind-msgpack/expected/order.js";
import {
  userEntity,
  UserRepository,
  type User,
  type UserKey,
  type UserSource,
} from "../fixtures/valid/full-featured-read-through/expected/user.js";
import { invalidEntity } from "../support/decided-api.js";
import { leaseKeyOf, streamKeysOf } from "../support/key-layout.js";
import { goldenUser } from "./fixtures/golden-user.js";
import { collectEvents, connect, encryptionKeys, makeOrderLine, uniquePrefix } from "./helpers.js";

let redis: Redis;
const prefix = uniquePrefix("boundary");
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

/** A table of rows as a database driver hands them out (any shape: the point is what it returns). */
class Table implements UserSource {
  readonly rows = new Map<string, Record<string, unknown>>();
  loads = 0;
  saves = 0;
  deletes = 0;
  /** loadMany answers in table (insertion) order, like `WHERE id = ANY($1)` without ORDER BY. */
  tableOrder = false;

  put(row: object): void {
    this.rows.set((row as { id: string }).id, row as Record<string, unknown>);
  }

  async load(key: UserKey): Promise<User | null> {
    this.loads += 1;
    return (this.rows.get(key.id) ?? null) as User | null;
  }

  async loadMany(keys: UserKey[]): Promise<(User | null)[]> {
    this.loads += keys.length;
    if (!this.tableOrder) return keys.map((k) => (this.rows.get(k.id) ?? null) as User | null);
    const wanted = new Set(keys.map((k) => k.id));
    const found = [...this.rows.values()].filter((row) => wanted.has(row["id"] as string)) as unknown as User[];
    return keys.map((_, i) => found[i] ?? null);
  }

  async loadByEmail(_email: string): Promise<User | null> {
    return null;
  }

  async save(entity: User): Promise<void> {
    this.saves += 1;
    this.rows.set(entity.id, entity as unknown as Record<string, unknown>);
  }

  async delete(key: UserKey): Promise<void> {
    this.deletes += 1;
    this.rows.delete(key.id);
  }
}

function users(
  table: Table,
  strategy: "read-through" | "write-through" = "read-through",
): { repo: UserRepository; events: ReturnType<typeof collectEvents> } {
  const events = collectEvents();
  const options = { redis, source: table, keyPrefix: prefix, encryptionKeys, onEvent: events.onEvent };
  const repo =
    strategy === "read-through"
      ? new UserRepository(options)
      : (new Repository(defineEntity({ ...userEntity, strategy }), options) as UserRepository);
  closers.push(() => repo.close());
  return { repo, events };
}

/** What Redis holds for `valueKey`: the value and its lease. */
async function cached(valueKey: string): Promise<{ value: boolean; lease: boolean }> {
  const [value, lease] = await Promise.all([redis.exists(valueKey), redis.exists(leaseKeyOf(valueKey))]);
  return { value: value === 1, lease: lease === 1 };
}

/** The source's row as a driver returns it: an undeclared column, and dates and bigints as strings. */
function driverRow(u: User): Record<string, unknown> {
  return {
    ...u,
    password_hash: "$2b$12$secret",
    createdAt: u.createdAt.toISOString(),
    updatedAt: "2024-05-06 07:08:09+00",
    birthday: "1990-12-31",
    balance: u.balance.toString(),
    settings: { ...u.settings, internal: "x" },
  };
}

function invalidValues(events: CacheEvent[]): CacheEvent[] {
  return events.filter((e) => e.type === "invalid-value");
}

describe("source boundary: a miss returns exactly what a hit returns", () => {
  it("get: a row with undeclared columns and date/bigint strings is parsed, returned as a hit would be, and cached", async () => {
    const table = new Table();
    const { repo } = users(table);
    const u = goldenUser();
    table.put(driverRow(u));
    const miss = await repo.get(u.id);
    expect(miss).toStrictEqual(u);
    expect(miss).not.toHaveProperty("password_hash");
    expect(miss!.createdAt).toBeInstanceOf(Date);
    const hit = await repo.get(u.id);
    expect(table.loads).toBe(1);
    expect(hit).toStrictEqual(miss);
    expect(await redis.get(repo.keyOf(u.id))).not.toContain("password_hash");
  });

  it("get: a row that is a model instance (fields behind getters) is read through its getters", async () => {
    const table = new Table();
    const { repo } = users(table);
    const u = goldenUser();
    class Model {
      constructor(private readonly data: Record<string, unknown>) {}
    }
    for (const field of Object.keys(driverRow(u)))
      Object.defineProperty(Model.prototype, field, {
        get(this: { data: Record<string, unknown> }) {
          return this.data[field];
        },
      });
    table.put({ id: u.id });
    table.load = async () => new Model(driverRow(u)) as unknown as User;
    expect(await repo.get(u.id)).toStrictEqual(u);
  });

  it("getMany: rows from loadMany are parsed and cached", async () => {
    const table = new Table();
    const { repo } = users(table);
    const a = goldenUser();
    const b = goldenUser();
    table.put(driverRow(a));
    table.put(driverRow(b));
    expect(await repo.getMany([a.id, b.id, randomUUID()])).toStrictEqual([a, b, null]);
    expect(table.loads).toBe(3);
    expect(await repo.getMany([a.id, b.id])).toStrictEqual([a, b]);
    expect(table.loads).toBe(3);
  });

  it("getBy<Index>: a row from the index loader is parsed as well", async () => {
    const table = new Table();
    const { repo } = users(table);
    const u = goldenUser();
    table.put(driverRow(u));
    table.loadByEmail = async (email) =>
      ([...table.rows.values()].find((row) => row["email"] === email) ?? null) as User | null;
    expect(await repo.getByEmail(u.email)).toStrictEqual(u);
    table.put({ ...driverRow(u), age: 1.5 });
    await redis.del(repo.keyOf(u.id));
    await expect(repo.getByEmail(u.email)).rejects.toMatchObject(invalidEntity({ entity: "User", path: "age" }));
  });

  it("get(key, loader): a cache-aside loader's row is parsed and cached", async () => {
    const events = collectEvents();
    const repo = new ArticleRepository({ redis, keyPrefix: prefix, onEvent: events.onEvent });
    const slug = `a-${randomUUID()}`;
    let loads = 0;
    const loader = async (): Promise<Article> => {
      loads += 1;
      return { slug, title: "Hello", author_email: "x@y" } as Article;
    };
    expect(await repo.get(slug, loader)).toStrictEqual({ slug, title: "Hello" });
    expect(await repo.get(slug, loader)).toStrictEqual({ slug, title: "Hello" });
    expect(loads).toBe(1);
    expect(invalidValues(events.events)).toHaveLength(0);
  });

  it("a row that fails the schema is an InvalidEntityError naming the field; nothing is cached, no lease is left", async () => {
    const table = new Table();
    const { repo, events } = users(table);
    const u = goldenUser();
    table.put({
      ...driverRow(u),
      addresses: [
        { city: "Paris", zip: "75001" },
        { city: 5, zip: "1" },
      ],
    });
    await expect(repo.get(u.id)).rejects.toMatchObject(
      invalidEntity({ entity: "User", path: "addresses[1].city", key: u.id }),
    );
    expect(await cached(repo.keyOf(u.id))).toEqual({ value: false, lease: false });
    expect(invalidValues(events.events)).toHaveLength(1);

    const v = goldenUser();
    table.put({ ...driverRow(v), createdAt: "yesterday" });
    await expect(repo.getMany([v.id, u.id])).rejects.toMatchObject({ name: "InvalidEntityError" });
    expect(await cached(repo.keyOf(v.id))).toEqual({ value: false, lease: false });
    // Fixed at the source: read at once (no lease left to wait out) and cached.
    table.put(driverRow(v));
    expect(await repo.get(v.id)).toStrictEqual(v);
    expect((await cached(repo.keyOf(v.id))).value).toBe(true);
  });

  it("a cache-aside loader's row that fails the schema is an InvalidEntityError", async () => {
    const repo = new ArticleRepository({ redis, keyPrefix: prefix });
    const slug = `a-${randomUUID()}`;
    await expect(repo.get(slug, async () => ({ slug, title: null }) as unknown as Article)).rejects.toMatchObject(
      invalidEntity({ entity: "Article", path: "title" }),
    );
    expect(await cached(repo.keyOf(slug))).toEqual({ value: false, lease: false });
  });

  it("an impossible date from the source (2024-02-30) is rejected, not rolled over to March", async () => {
    const table = new Table();
    const { repo } = users(table);
    const u = goldenUser();
    table.put({ ...driverRow(u), birthday: "2024-02-30" });
    await expect(repo.get(u.id)).rejects.toMatchObject(invalidEntity({ entity: "User", path: "birthday" }));
  });
});

describe("source boundary: rows are matched to keys by their key fields", () => {
  it("loadMany answering in table order: getMany realigns, never caches alice's row as bob's", async () => {
    const table = new Table();
    table.tableOrder = true;
    const { repo } = users(table);
    const alice = goldenUser({ name: "alice" });
    const bob = goldenUser({ name: "bob" });
    table.put(alice);
    table.put(bob);
    expect(await repo.getMany([bob.id, alice.id])).toStrictEqual([bob, alice]);
    expect((await repo.get(bob.id))?.name).toBe("bob");
    expect((await repo.get(alice.id))?.name).toBe("alice");
    expect(table.loads).toBe(2);
  });

  it("loadMany answering a row for a key not asked: not cached or served for the key at its place (invalid-value); that key is loaded alone", async () => {
    const table = new Table();
    const { repo, events } = users(table);
    const bob = goldenUser({ name: "bob" });
    const carol = goldenUser({ name: "carol" });
    const alice = goldenUser({ name: "alice" });
    table.put(alice);
    table.put(bob);
    table.loadMany = async (keys) => keys.map((k) => (k.id === bob.id ? carol : alice));
    expect(await repo.getMany([bob.id, alice.id])).toStrictEqual([bob, alice]);
    expect(invalidValues(events.events)).toHaveLength(1);
    expect(await redis.exists(repo.keyOf(carol.id))).toBe(0);
    expect(await repo.get(bob.id)).toStrictEqual(bob);
    expect(table.loads).toBe(1);
  });

  it("loadMany answering only the rows found (WHERE id = ANY($1)): the keys without a row are confirmed with load, and cached as absent", async () => {
    const table = new Table();
    const { repo, events } = users(table);
    const alice = goldenUser({ name: "alice" });
    const bob = goldenUser({ name: "bob" });
    const ghost = goldenUser({ name: "ghost" });
    table.put(alice);
    table.put(bob);
    let loadManyKeys = 0;
    table.loadMany = async (keys) => {
      loadManyKeys += keys.length;
      return [...table.rows.values()].filter((row) => keys.some((k) => k.id === row["id"])) as unknown as User[];
    };
    expect(await repo.getMany([ghost.id, bob.id, alice.id])).toStrictEqual([null, bob, alice]);
    expect(loadManyKeys).toBe(3);
    expect(table.loads).toBe(1); // the ghost, alone
    expect(invalidValues(events.events)).toHaveLength(0);
    expect(await repo.getMany([ghost.id, bob.id, alice.id])).toStrictEqual([null, bob, alice]);
    expect(loadManyKeys + table.loads).toBe(4); // all three cached, the ghost as absent

    // More rows than keys: a second row for one key is dropped (invalid-value), the rest still served.
    const carol = goldenUser({ name: "carol" });
    const dave = goldenUser({ name: "dave" });
    table.put(carol);
    table.put(dave);
    table.loadMany = async () => [carol, dave, { ...carol, name: "carol again" }] as unknown as User[];
    expect(await repo.getMany([dave.id, carol.id])).toStrictEqual([dave, carol]);
    expect(invalidValues(events.events)).toHaveLength(1);
  });

  it("loadMany answering something else than an array: a CachegenError saying what it must return", async () => {
    const table = new Table();
    const { repo } = users(table);
    table.loadMany = async () => ({ rows: [] }) as unknown as User[];
    await expect(repo.getMany([goldenUser().id, goldenUser().id])).rejects.toThrow(
      /source\.loadMany returned object; it must return an array: one entry per key \(null when absent\), or the rows found/,
    );
  });

  it("load answering another key's row: InvalidEntityError naming the key field, nothing cached", async () => {
    const table = new Table();
    const { repo, events } = users(table);
    const alice = goldenUser({ name: "alice" });
    const bob = goldenUser({ name: "bob" });
    table.put(alice);
    table.load = async () => alice as User;
    await expect(repo.get(bob.id)).rejects.toMatchObject(invalidEntity({ entity: "User", path: "id", key: bob.id }));
    expect(await cached(repo.keyOf(bob.id))).toEqual({ value: false, lease: false });
    expect(invalidValues(events.events)).toHaveLength(1);
  });

  it("a cache-aside loader answering another key's row: InvalidEntityError, nothing cached", async () => {
    const repo = new ArticleRepository({ redis, keyPrefix: prefix });
    const slug = `a-${randomUUID()}`;
    await expect(repo.get(slug, async () => ({ slug: "other", title: "Other" }))).rejects.toMatchObject(
      invalidEntity({ entity: "Article", path: "slug" }),
    );
    expect(await cached(repo.keyOf(slug))).toEqual({ value: false, lease: false });
  });

  it("composite key: loadMany rows swapped between two lines of one order are realigned", async () => {
    const orderId = randomUUID();
    const line = (lineNo: number): OrderLine => makeOrderLine(orderId, lineNo);
    const rows = [line(1), line(2)];
    const repo = new OrderLineRepository({
      redis,
      keyPrefix: prefix,
      source: {
        load: async (key: OrderLineKey) => rows.find((r) => r.lineNo === key.lineNo) ?? null,
        loadMany: async () => [...rows].reverse(),
        loadBySku: async () => null,
        save: async () => undefined,
        delete: async () => undefined,
      },
    });
    expect(
      await repo.getMany([
        { orderId, lineNo: 1 },
        { orderId, lineNo: 2 },
      ]),
    ).toStrictEqual(rows);
    expect(await repo.get({ orderId, lineNo: 1 })).toStrictEqual(rows[0]);
  });
});

describe("source boundary: save and delete check before the source is touched", () => {
  it("read-through and write-through: a schema-invalid entity never reaches source.save", async () => {
    for (const strategy of ["read-through", "write-through"] as const) {
      const table = new Table();
      const { repo } = users(table, strategy);
      const u = goldenUser();
      table.put(u);
      expect(await repo.get(u.id)).toStrictEqual(u);
      await expect(repo.save({ ...u, email: "not an email", name: "Changed" })).rejects.toMatchObject(
        invalidEntity({ entity: "User", path: "email", key: u.id }),
      );
      await expect(repo.save({ ...u, createdAt: "2024-01-01" as unknown as Date })).rejects.toMatchObject(
        invalidEntity({ entity: "User", path: "createdAt" }),
      );
      expect(table.saves).toBe(0);
      expect(await repo.get(u.id)).toStrictEqual(u);
      expect(table.loads).toBe(1);
    }
  });

  it("cache-aside: a schema-invalid entity never reaches source.save", async () => {
    let saves = 0;
    const repo = new ArticleRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async () => null, save: async () => void (saves += 1) },
    });
    await expect(repo.save({ slug: "s", title: 42 } as unknown as Article)).rejects.toMatchObject(
      invalidEntity({ entity: "Article", path: "title", key: "s" }),
    );
    expect(saves).toBe(0);
  });

  it("write-behind: a schema-invalid entity is an InvalidEntityError and is not queued", async () => {
    const repo = new OrderRepository({
      redis,
      keyPrefix: prefix,
      source: { load: async () => null, save: async () => undefined, delete: async () => undefined },
    });
    const order: Order = {
      id: randomUUID(),
      customerId: randomUUID(),
      status: "pending",
      total: 100n,
      placedAt: new Date(),
      revision: 1,
      note: null,
    };
    await expect(repo.save({ ...order, status: "lost" } as unknown as Order)).rejects.toMatchObject(
      invalidEntity({ entity: "Order", path: "status" }),
    );
    expect(await redis.exists(repo.keyOf(order.id), ...streamKeysOf(prefix, "Order"))).toBe(0);
  });

  it("delete with a key that does not fit is an InvalidKeyError before the source", async () => {
    const table = new Table();
    const { repo } = users(table, "write-through");
    await expect(repo.delete("not-a-uuid")).rejects.toThrow(InvalidKeyError);
    expect(table.deletes).toBe(0);
  });
});

describe("source boundary: deep json (issue 11.9)", () => {
  function nested(levels: number): unknown {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  }

  it("write-through save of a 2000-level json field: InvalidEntityError before the source, the cached value stays right", async () => {
    const table = new Table();
    const { repo } = users(table, "write-through");
    const u = goldenUser();
    table.put(u);
    expect(await repo.get(u.id)).toStrictEqual(u);
    await expect(repo.save({ ...u, name: "deep", meta: nested(2000) as User["meta"] })).rejects.toMatchObject(
      invalidEntity({ entity: "User", path: "meta" }),
    );
    expect(table.saves).toBe(0);
    expect(await repo.get(u.id)).toStrictEqual(u);
  });

  it("read-through get of a 2000-level json row: InvalidEntityError, no lease left held", async () => {
    const table = new Table();
    const { repo } = users(table);
    const u = goldenUser();
    table.put({ ...u, meta: nested(2000) });
    await expect(repo.get(u.id)).rejects.toMatchObject(invalidEntity({ entity: "User", path: "meta", key: u.id }));
    expect(await cached(repo.keyOf(u.id))).toEqual({ value: false, lease: false });
    table.put(u);
    expect(await repo.get(u.id)).toStrictEqual(u);
    expect(table.loads).toBe(2);
  });

  it("json nests up to 64 levels from the entity: 63 inside a top-level field is kept, 64 is rejected", async () => {
    const table = new Table();
    const { repo } = users(table, "write-through");
    const u = goldenUser({ meta: nested(63) as User["meta"] });
    await repo.save(u);
    expect(await repo.get(u.id)).toStrictEqual(u);
    await expect(repo.save({ ...u, meta: nested(64) as User["meta"] })).rejects.toMatchObject(
      invalidEntity({ entity: "User", path: "meta" }),
    );
  });
});

describe("bad input", () => {
  it("getMany(null) and getMany of a non-array are InvalidKeyError", async () => {
    const table = new Table();
    const { repo } = users(table);
    await expect(repo.getMany(null as never)).rejects.toThrow(InvalidKeyError);
    await expect(repo.getMany("abc" as never)).rejects.toThrow(InvalidKeyError);
    await expect(repo.getMany({ length: 1 } as never)).rejects.toThrow(InvalidKeyError);
  });
});
