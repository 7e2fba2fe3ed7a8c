import { randomUUID } from "node:crypto";
import { Redis as IORedis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  deleteByPrefix,
  InvalidKeyError,
  type Repository,
  WriteBehindRepository,
  type EntitySource,
  type RepositoryOptions,
} from "../runtime/index.js";
import { KeySpace } from "../runtime/key-space.js";
import { InMemorySource } from "./in-memory-source.js";

/** What the suite needs of one entity besides its repository: values, and its entity-specific methods. */
export interface RepositorySamples<TEntity, TRepository> {
  /** A value the source holds when each case starts. */
  readonly sample: TEntity;
  /**
   * The same key as `sample`, every other value changed (a `versionField` increased, a nullable
   * field null where it may be).
   */
  readonly updated: TEntity;
  /**
   * A value with another key, stored nowhere (lookups of it must miss). Leave it out when the key
   * has one possible value (a singleton entity): the getMany case, which needs a second key, is
   * then skipped.
   */
  readonly missing?: TEntity;
  /** A key the key schema rejects. */
  readonly invalidKey: unknown;
  /**
   * One entry per declared index: its `getBy<Index>` called with `sample`'s values (`found`) and
   * with `missing`'s (`missed`; left out when the index's fields have one possible value each).
   */
  readonly indexes?: Readonly<
    Record<
      string,
      {
        readonly found: (repository: TRepository) => Promise<TEntity | null>;
        readonly missed?: (repository: TRepository) => Promise<TEntity | null>;
      }
    >
  >;
  /**
   * One entry per declared list: its `listBy<List>` called with `sample`'s values (`found`) and
   * with `missing`'s (`missed`; left out when the list's fields have one possible value each).
   */
  readonly lists?: Readonly<
    Record<
      string,
      {
        readonly found: (repository: TRepository) => Promise<TEntity[]>;
        readonly missed?: (repository: TRepository) => Promise<TEntity[]>;
      }
    >
  >;
  /** One entry per declared tag: its `invalidateBy<Tag>` called with `sample`'s values. */
  readonly tags?: Readonly<Record<string, (repository: TRepository) => Promise<void>>>;
}

/** The options the suite creates each repository with: `redis`, its in-memory `source` and a fresh `keyPrefix`. */
export type ConformanceOptions<TSource> = RepositoryOptions<TSource>;

/**
 * The conformance suite of a generated repository (vitest): get, getMany, prime, save and delete as
 * the entity's strategy says, invalidate, tags, indexes, lists, `invalidates`, negativeTtl, versionField, TTL and
 * jitter, a corrupt cached value and an invalid key. It runs against REDIS_URL (default
 * redis://127.0.0.1:6379) under a random key prefix, deleted afterwards, and fails at once, with
 * one message, when no Redis answers there. `create` makes a repository from the options given
 * (add your own, e.g. `encryptionKeys`).
 */
export function describeRepository<
  TEntity,
  TKey,
  TSource extends EntitySource<TEntity, TKey>,
  TRepository extends Repository<TEntity, TKey, TSource, any>,
>(
  create: (options: ConformanceOptions<TSource>) => TRepository,
  samples: RepositorySamples<TEntity, TRepository>,
): void {
  const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
  // One connection attempt, no retries: the failed connect in beforeAll reports it, once.
  const redis = new IORedis(redisUrl, { lazyConnect: true, connectTimeout: 5_000, retryStrategy: () => null });
  let connectError: Error | undefined;
  redis.on("error", (error: Error) => (connectError ??= error));
  let connected = false;
  const runPrefix = `cachegen-test:${randomUUID()}`;
  /**
   * The repositories the running case made: closed after it (background retries, L1 subscriber, and
   * L1's listener on the shared client: more than ten open at once made Node warn of a leak).
   */
  const repositories: TRepository[] = [];
  let made = 0;
  const { sample, updated, missing } = samples;

  const prefixes = new Map<TRepository, string>();
  const prefixOf = (repository: TRepository) => prefixes.get(repository)!;

  /** A repository with its own key prefix and counters, over a source that holds `sample`. */
  function setup() {
    const source = new InMemorySource<TEntity>();
    const keyPrefix = `${runPrefix}:${++made}`;
    const repository = create({ redis, source: source as unknown as TSource, keyPrefix });
    repositories.push(repository);
    prefixes.set(repository, keyPrefix);
    source.bind(repository.definition);
    source.put(sample);
    return { source, repository, definition: repository.definition };
  }

  function keyOf(repository: TRepository, entity: TEntity): TKey {
    const fields = repository.definition.key;
    return Object.fromEntries(fields.map((field) => [field, (entity as Record<string, unknown>)[field]])) as TKey;
  }

  /** Runs a write-behind repository's worker until its queue is empty; nothing for other strategies. */
  async function flushed(repository: TRepository): Promise<void> {
    if (!(repository instanceof WriteBehindRepository)) return;
    const worker = repository.startWorker();
    try {
      await repository.flush(10_000);
    } finally {
      await worker.stop();
    }
  }

  describe("repository conformance (cachegen/testing)", () => {
    beforeAll(async () => {
      try {
        await redis.connect();
      } catch (error) {
        const where = redisUrl.replace(/\/\/[^/@]*@/, "//"); // without credentials
        const reason = connectError ?? error;
        throw new Error(
          `cannot reach Redis at ${where} (${reason instanceof Error ? reason.message : String(reason)}): start Redis there, set REDIS_URL to yours, or set "tests": false in cachegen.config.json`,
        );
      }
      connected = true;
    });

    afterEach(async () => {
      await Promise.all(repositories.splice(0).map((repository) => repository.close()));
    });

    afterAll(async () => {
      if (!connected) return;
      await deleteByPrefix(redis, `${runPrefix}:`);
      await redis.quit();
    });

    it("loads a miss from the source, then serves it from the cache", async () => {
      const { source, repository } = setup();
      const key = keyOf(repository, sample);
      expect(await repository.get(key)).toEqual(sample);
      expect(await repository.get(key)).toEqual(sample);
      expect(source.loads).toBe(1);
    });

    it("prime: a primed value is served without the source; a cached value is kept", async () => {
      const { source, repository } = setup();
      const key = keyOf(repository, sample);
      // the source holds `sample`, so reading `updated` shows the cache answered
      expect(await repository.prime(updated)).toBe(true);
      expect(await repository.get(key)).toEqual(updated);
      expect(source.loads).toBe(0);
      expect(await repository.primeMany([sample])).toEqual({ primed: 0, skipped: 1 });
      expect(await repository.get(key)).toEqual(updated);
    });

    it.skipIf(missing === undefined)(
      "getMany: in order, null for a key stored nowhere, the misses loaded with one loadMany",
      async () => {
        const { source, repository } = setup();
        const keys = [keyOf(repository, sample), keyOf(repository, missing!)];
        expect(await repository.getMany(keys)).toEqual([sample, null]);
        expect(source.loadManyCalls).toBe(1);
        const loads = source.loads;
        expect(await repository.getMany(keys)).toEqual([sample, null]);
        // the hit is served from the cache; the missing key loads again unless not-founds are remembered
        expect(source.loads - loads).toBe(repository.definition.negativeTtlMs === undefined ? 1 : 0);
      },
    );

    it("save: the next read answers the saved value, and the source has it (write-behind: once flushed)", async () => {
      const { source, repository, definition } = setup();
      const key = keyOf(repository, sample);
      await repository.get(key);
      await repository.save(updated);
      expect(await repository.get(key)).toEqual(updated);
      // write-through and write-behind hold the saved value; the others load it again
      const invalidates = definition.strategy === "cache-aside" || definition.strategy === "read-through";
      expect(source.loads).toBe(invalidates ? 2 : 1);
      await flushed(repository);
      expect(source.get(key)).toEqual(updated);
    });

    it("delete: the next read answers null, and the source no longer has it (write-behind: once flushed)", async () => {
      const { source, repository } = setup();
      const key = keyOf(repository, sample);
      await repository.get(key);
      await repository.delete(key);
      expect(await repository.get(key)).toBeNull();
      await flushed(repository);
      expect(source.get(key)).toBeUndefined();
    });

    it("invalidate: the next read loads from the source", async () => {
      const { source, repository } = setup();
      const key = keyOf(repository, sample);
      await repository.get(key);
      source.put(updated);
      await repository.invalidate(key);
      expect(await repository.get(key)).toEqual(updated);
      expect(source.loads).toBe(2);
    });

    it("invalidateBy<Tag> (each declared tag): drops the values carrying the tag", async () => {
      const { source, repository, definition } = setup();
      const key = keyOf(repository, sample);
      for (const tag of Object.keys(definition.tags)) {
        const invalidateByTag = samples.tags?.[tag];
        expect(invalidateByTag, `samples.tags.${tag}`).toBeTypeOf("function");
        source.put(sample);
        await repository.invalidate(key);
        expect(await repository.get(key)).toEqual(sample);
        source.put(updated);
        await invalidateByTag!(repository);
        expect(await repository.get(key), `after invalidating tag ${tag}`).toEqual(updated);
      }
    });

    it("getBy<Index> (each declared index): finds the stored value, and null for values stored nowhere", async () => {
      const { repository, definition } = setup();
      for (const index of Object.keys(definition.indexes)) {
        const lookups = samples.indexes?.[index];
        expect(lookups, `samples.indexes.${index}`).toBeDefined();
        expect(await lookups!.found(repository), index).toEqual(sample);
        if (lookups!.missed) expect(await lookups!.missed(repository), index).toBeNull();
      }
    });

    it("listBy<List> (each declared list): lists the stored value, from the cache once cached, and follows a save", async () => {
      const { source, repository, definition } = setup();
      const space = new KeySpace(definition, prefixOf(repository));
      for (const list of Object.keys(definition.lists ?? {})) {
        const lookups = samples.lists?.[list];
        expect(lookups, `samples.lists.${list}`).toBeDefined();
        expect(await lookups!.found(repository), list).toEqual([sample]);
        if (lookups!.missed) expect(await lookups!.missed(repository), list).toEqual([]);
        const loads = source.loads;
        expect(await lookups!.found(repository), list).toEqual([sample]);
        expect(source.loads - loads, `${list}: members filled on the first cached read`).toBeLessThanOrEqual(1);
        const sameList = space.listKeyOfEntity(list, sample) === space.listKeyOfEntity(list, updated);
        await repository.save(updated);
        expect(await lookups!.found(repository), `${list} after a save`).toEqual(sameList ? [updated] : []);
        await flushed(repository);
        source.put(sample); // back, for the next list
        await repository.invalidate(keyOf(repository, sample));
      }
    });

    it("invalidates: a save drops the cached values of the entities it names", async () => {
      const { repository, definition } = setup();
      const targets = definition.invalidates.map(
        (rule) => new KeySpace(rule.entity(), prefixOf(repository)).resolve(rule.key(updated)).valueKey,
      );
      // with a TTL: a value without one has a write-behind write queued, which nothing drops
      for (const valueKey of targets) await redis.set(valueKey, "cached", "PX", 60_000);
      await repository.save(updated);
      await flushed(repository);
      for (const valueKey of targets) expect(await redis.exists(valueKey), valueKey).toBe(0);
    });

    it("negativeTtl: a not-found is remembered when declared, loaded again when not", async () => {
      const { source, repository, definition } = setup();
      const key = keyOf(repository, sample);
      await source.delete(key);
      expect(await repository.get(key)).toBeNull();
      expect(await repository.get(key)).toBeNull();
      expect(source.loads).toBe(definition.negativeTtlMs === undefined ? 2 : 1);
    });

    it("versionField: an older save never replaces a newer cached value (write-through, write-behind)", async () => {
      const { repository, definition } = setup();
      const key = keyOf(repository, sample);
      if (definition.versionField === undefined || !["write-through", "write-behind"].includes(definition.strategy)) {
        return;
      }
      await repository.save(updated);
      await repository.save(sample);
      expect(await repository.get(key)).toEqual(updated);
    });

    it("expires within the TTL and its jitter", async () => {
      const { repository, definition } = setup();
      const key = keyOf(repository, sample);
      await repository.get(key);
      const ttl = await redis.pttl(repository.keyOf(key));
      const { ttlMs, jitter, staleWhileRevalidateMs = 0 } = definition;
      const slackMs = 1_000;
      expect(ttl).toBeGreaterThanOrEqual(ttlMs * (1 - jitter) - slackMs);
      expect(ttl).toBeLessThanOrEqual(ttlMs + staleWhileRevalidateMs);
    });

    it("treats a corrupt cached value as a miss", async () => {
      const { repository } = setup();
      const key = keyOf(repository, sample);
      await redis.set(repository.keyOf(key), "garbage");
      expect(await repository.get(key)).toEqual(sample);
      expect(repository.stats().invalidValues).toBe(1);
    });

    it("rejects an invalid key with InvalidKeyError, without loading", async () => {
      const { source, repository } = setup();
      const invalidKey = samples.invalidKey as TKey;
      expect(() => repository.keyOf(invalidKey)).toThrow(InvalidKeyError);
      await expect(repository.get(invalidKey)).rejects.toThrow(InvalidKeyError);
      expect(source.loads).toBe(0);
    });
  });
}
