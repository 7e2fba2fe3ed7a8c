import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import {
  defineEntity,
  deleteByPrefix,
  WriteBehindRepository,
  type EntityDefinition,
  type RedisClient,
  type RepositoryOptions,
  type WriteBehindSource,
  type WriteBehindWorker,
} from "cachegen/runtime";
import { userEntity, type User, type UserKey, type UserTag } from "../runtime/fixtures/user.js";
import { KeySpace } from "../../src/runtime/key-space.js";
import { collectEvents, connect, encryptionKeys, uniquePrefix } from "../runtime/helpers.js";
import { holdPoint } from "../support/hold.js";

/** The test User (index byEmail, tag team, invalidates Team, versionField updatedAt) as a write-behind entity. */
export const writeBehindUser = defineEntity<User, UserKey>({
  ...userEntity,
  strategy: "write-behind",
  // One partition: these tests count the worker's batches (the generated Order entity, with the
  // default 16 partitions, covers partitioned queues).
  writeBehind: { batchSize: 50, flushIntervalMs: 50, maxAttempts: 3, partitions: 1 },
});

export interface WriteBehindUserSource extends WriteBehindSource<User, UserKey> {
  loadByEmail(email: string): Promise<User | null>;
}

export class WriteBehindUserRepository extends WriteBehindRepository<User, UserKey, WriteBehindUserSource, UserTag> {
  constructor(
    options: RepositoryOptions<WriteBehindUserSource>,
    definition: EntityDefinition<User, UserKey> = writeBehindUser,
  ) {
    super(definition, options);
  }

  getByEmail(email: string): Promise<User | null> {
    return this.getByIndex("byEmail", [email]);
  }

  invalidateTeam(teamId: string): Promise<void> {
    return this.invalidateTag({ teamId });
  }
}

/**
 * An in-memory users table fenced like SQL's `WHERE updated_at < $new`, recording what the worker
 * sends it. `failures` makes the next writes throw; `holdNextWrite` holds one write.
 */
export class UserTable implements WriteBehindUserSource {
  readonly rows = new Map<string, User>();
  loads = 0;
  /** Sizes of the `saveMany` batches, in order. */
  readonly batches: number[] = [];
  /** Single-entity `save` calls (the fallback after a failed batch, or without saveMany). */
  saves = 0;
  deletes = 0;
  failures = 0;
  /** `save` answers the row it kept (`EntitySource.save` may); `saveMany` answers nothing. */
  returnKept = false;
  private readonly holds: (() => Promise<void>)[] = [];

  put(user: User): User {
    this.rows.set(user.id, structuredClone(user));
    return user;
  }

  /**
   * Holds the next write that reaches the table (after those already held) before it applies:
   * `written` resolves once it is held, `release()` lets it through.
   */
  holdNextWrite(): { written: Promise<void>; release: () => void } {
    const point = holdPoint();
    this.holds.push(point.arrive);
    return { written: point.arrived, release: point.release };
  }

  async load(key: UserKey): Promise<User | null> {
    this.loads += 1;
    const row = this.rows.get(key.id);
    return row ? structuredClone(row) : null;
  }

  async loadByEmail(email: string): Promise<User | null> {
    for (const row of this.rows.values()) if (row.email === email) return structuredClone(row);
    return null;
  }

  async save(user: User): Promise<User | void> {
    this.saves += 1;
    await this.write(() => this.upsert(user));
    if (this.returnKept) return structuredClone(this.rows.get(user.id));
  }

  async saveMany(users: User[]): Promise<void> {
    this.batches.push(users.length);
    await this.write(() => users.forEach((user) => this.upsert(user)));
  }

  async delete(key: UserKey): Promise<void> {
    this.deletes += 1;
    await this.write(() => this.rows.delete(key.id));
  }

  private upsert(user: User): void {
    const current = this.rows.get(user.id);
    if (!current || current.updatedAt < user.updatedAt) this.rows.set(user.id, structuredClone(user));
  }

  private async write(apply: () => void): Promise<void> {
    await this.holds.shift()?.();
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error("users table unavailable");
    }
    apply();
  }
}

/**
 * A test file's connection, and `setup()`: a repository under a prefix of its own (so its own
 * queue) over a fresh table, whose `start()` starts a worker with short polls. Workers stop and
 * keys are deleted after the file's tests.
 */
export function writeBehindSuite(label: string) {
  let redis: Redis | undefined;
  const prefix = uniquePrefix(label);
  const workers: WriteBehindWorker[] = [];
  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await deleteByPrefix(redis!, prefix);
    await redis!.quit();
  });
  const setup = (client: RedisClient = redis!) => {
    const table = new UserTable();
    const events = collectEvents();
    const keyPrefix = `${prefix}${randomUUID()}:`;
    const repo = new WriteBehindUserRepository({
      redis: client,
      source: table,
      keyPrefix,
      encryptionKeys,
      onEvent: events.onEvent,
    });
    const start = (options = {}) => {
      const worker = repo.startWorker({ pollMs: 50, retryBaseMs: 20, ...options });
      workers.push(worker);
      return worker;
    };
    /** The repository's key layout, for keys its API does not name (index entries). */
    const keys = new KeySpace(writeBehindUser, keyPrefix);
    return { table, repo, events, start, keyPrefix, keys };
  };
  return {
    get redis(): Redis {
      return redis!;
    },
    /** Every key of the file's tests is under it (deleted after them). */
    prefix,
    setup,
  };
}

/** `user` changed by `changes`, its version `ms` later. */
export const later = (user: User, ms: number, changes: Partial<User> = {}): User => ({
  ...user,
  ...changes,
  updatedAt: new Date(user.updatedAt.getTime() + ms),
});
