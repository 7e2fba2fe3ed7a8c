// Warm-up: prime/primeMany put values the app holds into the cache by the rules of a fill (never
// over a newer version, a queued write-behind write, a value it cannot tell is older, or a held
// lease); warm() primes a source of entities or pages with a concurrency bound.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CacheUnavailableError,
  defineEntity,
  deleteByPrefix,
  InvalidEntityError,
  warm,
  WriteBehindRepository,
  type EntityDefinition,
  type RepositoryOptions,
  type WarmProgress,
  type WriteBehindSource,
} from "cachegen/runtime";
import type { User, UserKey } from "./fixtures/user.js";
import { connect, encryptionKeys, makeUser, uniquePrefix, UserRepo, UserStore, userVariant } from "./helpers.js";
import { sleep } from "../support/wait.js";

let redis: Redis;
const prefix = uniquePrefix("prime");
let n = 0;

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

function setup(definition: EntityDefinition<User, UserKey> = userVariant({ invalidates: [] })) {
  const source = new UserStore();
  const repo = new UserRepo(definition, { redis, source, keyPrefix: `${prefix}${++n}:`, encryptionKeys });
  return { source, repo };
}

const later = (user: User, ms: number): User => ({ ...user, updatedAt: new Date(user.updatedAt.getTime() + ms) });

describe("prime / primeMany", () => {
  it("puts a value into the cache without the source: the next get is a hit", async () => {
    const { source, repo } = setup();
    const ada = makeUser();
    expect(await repo.prime(ada)).toBe(true);
    expect(await repo.get(ada.id)).toEqual(ada);
    expect(await repo.getByEmail(ada.email)).toEqual(ada); // its index entry too
    expect(source.loads + source.indexLoads).toBe(0);
  });

  it("never replaces a newer version; replaces an older one (dropping its stale index entry)", async () => {
    const { source, repo } = setup();
    const v2 = source.put(later(makeUser({ name: "v2" }), 2));
    await repo.get(v2.id); // cached v2
    expect(await repo.prime({ ...later(v2, -1), name: "v1" })).toBe(false);
    expect(await repo.prime({ ...v2, name: "same version" })).toBe(false);
    expect((await repo.get(v2.id))?.name).toBe("v2");

    const v3 = { ...later(v2, 1), name: "v3", email: "v3@example.com" };
    expect(await repo.prime(v3)).toBe(true);
    expect(await repo.get(v3.id)).toEqual(v3);
    expect(await redis.exists(`${repo.keyOf(v2.id).split(":v:")[0]}:i:byEmail:${encodeURIComponent(v2.email)}`)).toBe(
      0,
    );
  });

  it("without a versionField, never replaces a cached value (it cannot tell which is newer)", async () => {
    const { versionField: _unversioned, ...unversioned } = userVariant({ invalidates: [] });
    const { source, repo } = setup(defineEntity<User, UserKey>(unversioned));
    const cached = source.put(makeUser({ name: "cached" }));
    await repo.get(cached.id);
    expect(await repo.prime({ ...cached, name: "primed" })).toBe(false);
    expect((await repo.get(cached.id))?.name).toBe("cached");
  });

  it("never writes while someone holds the key's lease (a fill loading it); the fill still lands", async () => {
    const { source, repo } = setup();
    const ada = source.put(makeUser({ name: "from source" }));
    const hold = source.holdNextLoad();
    const read = repo.get(ada.id); // takes the lease, stalls in the load
    await hold.loaded;
    expect(await repo.prime(later({ ...ada, name: "primed" }, 5))).toBe(false);
    hold.release();
    await read;
    expect((await repo.get(ada.id))?.name).toBe("from source");
  });

  it("primeMany counts primed and skipped, one entry per key", async () => {
    const { source, repo } = setup();
    const cached = source.put(makeUser());
    await repo.get(cached.id);
    const fresh = [makeUser(), makeUser(), makeUser()];
    expect(await repo.primeMany([...fresh, cached])).toEqual({ primed: 3, skipped: 1 });
    expect(await repo.getMany(fresh.map((u) => u.id))).toEqual(fresh);
  });

  it("checks every entity as save does: one that does not fit rejects the call before Redis is touched", async () => {
    const { repo } = setup();
    const good = makeUser();
    const bad = { ...makeUser(), email: "not an email" };
    await expect(repo.primeMany([good, bad])).rejects.toBeInstanceOf(InvalidEntityError);
    await expect(repo.prime(bad)).rejects.toMatchObject({ name: "InvalidEntityError", path: "email" });
    expect(await redis.exists(repo.keyOf(good.id))).toBe(0);
  });

  it("rejects with CacheUnavailableError when Redis does not answer", async () => {
    const down = new Redis({ host: "127.0.0.1", port: 1, lazyConnect: true, retryStrategy: () => null });
    down.on("error", () => undefined);
    const repo = new UserRepo(userVariant({ invalidates: [] }), {
      redis: down,
      source: new UserStore(),
      keyPrefix: `${prefix}down:`,
      encryptionKeys,
      timeoutMs: 50,
    }).primeMany([makeUser()]);
    await expect(repo).rejects.toBeInstanceOf(CacheUnavailableError);
    down.disconnect();
  });
});

class WriteBehindUsers extends WriteBehindRepository<User, UserKey, WriteBehindSource<User, UserKey>> {
  constructor(
    definition: EntityDefinition<User, UserKey>,
    options: RepositoryOptions<WriteBehindSource<User, UserKey>>,
  ) {
    super(definition, options);
  }
}

describe("prime on a write-behind entity", () => {
  it("never replaces a value whose write is still queued, even with a newer version", async () => {
    const repo = new WriteBehindUsers(userVariant({ invalidates: [], strategy: "write-behind" }), {
      redis,
      source: new UserStore(),
      keyPrefix: `${prefix}wb:`,
      encryptionKeys,
    });
    const queued = makeUser({ name: "queued" });
    await repo.save(queued); // no worker: stays queued
    expect(await repo.prime(later({ ...queued, name: "primed" }, 10))).toBe(false);
    expect((await repo.get(queued.id))?.name).toBe("queued");
    await repo.close();
  });
});

describe("warm", () => {
  it("primes entities and pages from an async iterable, counting primed, skipped and failed", async () => {
    const { source, repo } = setup();
    const cached = source.put(makeUser());
    await repo.get(cached.id);
    const pages = [Array.from({ length: 150 }, () => makeUser()), [cached], [{ ...makeUser(), email: "bad" }]];
    const singles = Array.from({ length: 120 }, () => makeUser());
    async function* rows() {
      for (const page of pages) yield page;
      for (const user of singles) yield user;
    }
    const progress: WarmProgress[] = [];
    const result = await warm(repo, rows(), {
      concurrency: 3,
      onProgress: (p) => progress.push(p),
      progressBar: false,
    });
    expect(result).toEqual({ primed: 270, skipped: 1, failed: 1, done: true });
    expect(progress.at(-1)).toEqual(result);
    expect(progress.filter((p) => p.done)).toHaveLength(1);
    expect(await repo.getMany([...pages[0]!, ...singles].map((u) => u.id))).toEqual([...pages[0]!, ...singles]);
  });

  it("never has more than `concurrency` pages in flight", async () => {
    const { repo } = setup();
    let inFlight = 0;
    let most = 0;
    const watched = {
      definition: repo.definition,
      primeMany: async (entities: readonly User[]) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          await sleep(15);
          return await repo.primeMany(entities);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const pages = Array.from({ length: 12 }, () => [makeUser(), makeUser()]);
    const result = await warm(watched, pages, { concurrency: 3, progressBar: false });
    expect(result.primed).toBe(24);
    expect(most).toBe(3);
  });

  it("draws a one-line progress bar on stderr when asked (the default on a terminal), ending with a newline", async () => {
    const { repo } = setup();
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await warm(repo, [[makeUser(), makeUser()]], { progressBar: true });
    } finally {
      process.stderr.write = write;
    }
    expect(written.at(-1)).toBe("\r\u001b[2Kwarm User: 2 entities, 2 primed, 0 skipped, 0 failed\n");
  });
});
