import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import {
  defineEntity,
  deleteByPrefix,
  Repository,
  type CacheEvent,
  type EntityDefinition,
  type RedisClient,
  type RepositoryOptions,
} from "cachegen/runtime";
import { afterAll, beforeAll } from "vitest";
import { holdPoint } from "../support/hold.js";
import { resilientClient, SpawnedRedis } from "../support/redis-server.js";
import { sleep, until } from "../support/wait.js";
import type { OrderLine } from "../fixtures/valid/composite-key-write-through/expected/order-line.js";
import { userEntity, type User, type UserKey, type UserSource, type UserTag } from "./fixtures/user.js";

/** The tests' Redis: the port of REDIS_URL, which test/global-setup.ts points at one that answers. */
export const REDIS_PORT = Number(new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379").port || 6379);

/**
 * A redis-server of the test file's own, started before its tests and stopped after, with an
 * `admin` connection; `client()` opens a resilient connection to it (wait for it with `ready`).
 */
export function ownRedisServer(): {
  readonly server: SpawnedRedis;
  readonly admin: Redis;
  client(options?: Record<string, unknown>): Redis;
} {
  let server: SpawnedRedis | undefined;
  let admin: Redis | undefined;
  beforeAll(async () => {
    server = await SpawnedRedis.start();
    admin = resilientClient(server.port);
    await ready(admin);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get admin() {
      return admin!;
    },
    client: (options = {}) => resilientClient(server!.port, options),
  };
}

/** Resolves once the client is ready (5 s at most). */
export async function ready(redis: Redis): Promise<void> {
  await until(() => redis.status === "ready", 5000);
}

export function uniquePrefix(label = "t"): string {
  return `cgtest:${label}:${randomBytes(4).toString("hex")}:`;
}

/**
 * A test file's connection to the tests' Redis (handed to `use` before its tests) and a key prefix
 * of its own, whose keys are deleted after its tests; returns the prefix.
 */
export function fileRedis(label: string, use: (redis: Redis) => void): string {
  const prefix = uniquePrefix(label);
  let redis: Redis | undefined;
  beforeAll(async () => {
    redis = await connect();
    use(redis);
  });
  afterAll(async () => {
    if (!redis) return;
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });
  return prefix;
}

export async function connect(port = REDIS_PORT, options: Record<string, unknown> = {}): Promise<Redis> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1, ...options });
  await redis.connect();
  return redis;
}

/** Records the command names a client sends (instrumentation of the real client, not a mock). */
export function recordCommands(client: RedisClient): { names: string[]; args: unknown[][]; reset(): void } {
  const names: string[] = [];
  const args: unknown[][] = [];
  const target = client as unknown as {
    sendCommand(cmd: { name: string; args: unknown[] }, ...rest: unknown[]): unknown;
  };
  const original = target.sendCommand.bind(target);
  target.sendCommand = (cmd, ...rest) => {
    names.push(cmd.name.toLowerCase());
    args.push(cmd.args);
    return original(cmd, ...rest);
  };
  return {
    names,
    args,
    reset: () => {
      names.length = 0;
      args.length = 0;
    },
  };
}

export function collectEvents(): {
  events: CacheEvent[];
  onEvent: (e: CacheEvent) => void;
  of(type: CacheEvent["type"]): CacheEvent[];
} {
  const events: CacheEvent[] = [];
  return { events, onEvent: (e) => void events.push(e), of: (type) => events.filter((e) => e.type === type) };
}

export const encryptionKeys = {
  current: "k2",
  keys: { k1: new Uint8Array(32).fill(1), k2: new Uint8Array(32).fill(2) },
};

export function makeUser(overrides: Partial<User> = {}): User {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    email: `${id.slice(0, 8)}@example.com`,
    name: "Ada",
    nickname: null,
    roles: ["admin"],
    teamId: "0b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1e01",
    status: "active",
    settings: { theme: "dark", since: new Date("2020-02-03T00:00:00.000Z") },
    createdAt: new Date("2024-01-02T03:04:05.678Z"),
    updatedAt: new Date("2024-05-06T07:08:09.000Z"),
    birthday: new Date("1990-12-31T00:00:00.000Z"),
    balance: 123456789012345678901234567890n,
    meta: { plan: "pro", limits: [1, 2, 3], nested: { ok: true } },
    ssn: "123-45-6789",
    ...overrides,
  };
}

/** An in-memory "database" for users with call counters and optional delays/gates. */
export class UserStore implements UserSource {
  readonly rows = new Map<string, User>();
  loads = 0;
  loadManyCalls = 0;
  indexLoads = 0;
  saves = 0;
  delayMs = 0;
  /** Called inside load after the row is read, before returning (to force interleavings). */
  beforeReturn: ((key: UserKey, row: User | null) => Promise<void>) | undefined;

  put(user: User): User {
    this.rows.set(user.id, structuredClone(user));
    return user;
  }

  /**
   * Holds the next load after it has read its row and before it returns (to force an
   * interleaving): `loaded` resolves once it is held, `release()` lets it return.
   */
  holdNextLoad(): { loaded: Promise<void>; release: () => void } {
    const point = holdPoint();
    this.beforeReturn = async () => {
      this.beforeReturn = undefined;
      await point.arrive();
    };
    return { loaded: point.arrived, release: point.release };
  }

  async load(key: UserKey): Promise<User | null> {
    this.loads += 1;
    const row = this.rows.get(key.id);
    const copy = row ? structuredClone(row) : null;
    if (this.delayMs) await sleep(this.delayMs);
    if (this.beforeReturn) await this.beforeReturn(key, copy);
    return copy;
  }

  async loadByEmail(email: string): Promise<User | null> {
    this.indexLoads += 1;
    for (const row of this.rows.values()) if (row.email === email) return structuredClone(row);
    return null;
  }

  async save(user: User): Promise<void> {
    this.saves += 1;
    this.rows.set(user.id, structuredClone(user));
  }

  async delete(key: UserKey): Promise<void> {
    this.rows.delete(key.id);
  }
}

export class UserStoreWithMany extends UserStore {
  async loadMany(keys: UserKey[]): Promise<(User | null)[]> {
    this.loadManyCalls += 1;
    this.loads += keys.length;
    return keys.map((k) => {
      const row = this.rows.get(k.id);
      return row ? structuredClone(row) : null;
    });
  }
}

/** A UserRepository over a variant of the User definition (strategy, TTLs, l1, ...). */
export class UserRepo extends Repository<User, UserKey, UserSource, UserTag> {
  constructor(definition: EntityDefinition<User, UserKey>, options: RepositoryOptions<UserSource>) {
    super(definition, options);
  }

  getByEmail(email: string): Promise<User | null> {
    return this.getByIndex("byEmail", [email]);
  }
}

export function userVariant(overrides: Partial<EntityDefinition<User, UserKey>>): EntityDefinition<User, UserKey> {
  return defineEntity<User, UserKey>({ ...userEntity, ...overrides });
}

/** Line `lineNo` of order `orderId` (the golden composite-key OrderLine). */
export function makeOrderLine(orderId: string, lineNo: number): OrderLine {
  return {
    orderId,
    lineNo,
    sku: `sku-${lineNo}`,
    quantity: lineNo,
    unitPrice: 9.5,
    updatedAt: new Date("2024-01-01T00:00:00.000Z"),
  };
}
