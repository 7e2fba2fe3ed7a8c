import type { ClusterOptions } from "ioredis";
import { UserRepository, type User } from "../runtime/fixtures/user.js";
import { collectEvents, encryptionKeys, makeUser, uniquePrefix, UserStoreWithMany } from "../runtime/helpers.js";
import type { SpawnedCluster } from "./redis-cluster.js";
import { sleep, until } from "./wait.js";

/**
 * The Cluster client options an application would use with cachegen (README "Redis Cluster"):
 * follow redirections during resharding, retry briefly while a failover settles, keep commands
 * queued while a node reconnects (cachegen bounds each call by its own `timeoutMs` anyway).
 */
export const CLUSTER_OPTIONS: ClusterOptions = {
  scaleReads: "master",
  maxRedirections: 16,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 50,
  enableOfflineQueue: true,
  slotsRefreshTimeout: 1000,
  redisOptions: { connectTimeout: 1000, maxRetriesPerRequest: 2 },
};

/** What a load run saw. */
export interface LoadFigures {
  reads: number;
  readsFailed: number;
  /** Reads that answered null for a user that exists. */
  readsMissing: number;
  longestReadMs: number;
  writes: number;
  writesFailed: number;
  errors: string[];
}

interface UserReads {
  get(id: string): Promise<User | null>;
  getMany(ids: string[]): Promise<(User | null)[]>;
  save(user: User): Promise<void>;
}

/**
 * Readers (get, and getMany of 10) and writers (save with a new name and updatedAt) over `ids`,
 * in loops until `stop()`, which answers the figures. Every read must answer the user (they all
 * exist); a read or write that throws is counted as failed.
 */
export function startLoad(
  repo: UserReads,
  rows: Map<string, User>,
  ids: readonly string[],
  options: { readers?: number; writers?: number; writePauseMs?: number } = {},
): { figures: LoadFigures; stop(): Promise<LoadFigures> } {
  const { readers = 8, writers = 2, writePauseMs = 5 } = options;
  const figures: LoadFigures = {
    reads: 0,
    readsFailed: 0,
    readsMissing: 0,
    longestReadMs: 0,
    writes: 0,
    writesFailed: 0,
    errors: [],
  };
  let running = true;
  let version = 0;
  const pick = (): string => ids[Math.floor(Math.random() * ids.length)]!;
  const fail = (error: unknown): void => {
    if (figures.errors.length < 20) figures.errors.push(String(error));
  };
  const reader = async (n: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      try {
        const wanted = i % 4 === n % 4 ? Array.from({ length: 10 }, pick) : [pick()];
        const values = wanted.length === 1 ? [await repo.get(wanted[0]!)] : await repo.getMany(wanted);
        figures.readsMissing += values.filter((v) => v === null).length;
      } catch (error) {
        figures.readsFailed += 1;
        fail(error);
      }
      figures.longestReadMs = Math.max(figures.longestReadMs, performance.now() - started);
      figures.reads += 1;
      if (i % 20 === 0) await sleep(0);
    }
  };
  const writer = async (): Promise<void> => {
    while (running) {
      const row = rows.get(pick())!;
      version += 1;
      try {
        await repo.save({ ...row, name: `v${version}`, updatedAt: new Date(Date.now() + version) });
      } catch (error) {
        figures.writesFailed += 1;
        fail(error);
      }
      figures.writes += 1;
      await sleep(writePauseMs);
    }
  };
  const loops = [
    ...Array.from({ length: readers }, (_, n) => reader(n)),
    ...Array.from({ length: writers }, () => writer()),
  ];
  return {
    figures,
    async stop() {
      running = false;
      await Promise.all(loops);
      return figures;
    },
  };
}

/**
 * Users whose cached value (as a fresh repository `observer` reads it: another process, with no
 * retry queue of its own) differs from the source, polled until none does or `timeoutMs` passed.
 */
export async function staleAfter(
  observer: { getMany(ids: string[]): Promise<(User | null)[]> },
  rows: Map<string, User>,
  ids: readonly string[],
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await observer.getMany([...ids]);
    const stale = ids.filter((id, i) => values[i]?.name !== rows.get(id)?.name);
    if (!stale.length || Date.now() > deadline) return stale;
    await sleep(250);
  }
}

/**
 * The generated User repository over a Cluster client built with CLUSTER_OPTIONS, 300 users in its
 * source, every one cached; and `observer`, a second repository on a client of its own (another
 * process's view, for `staleAfter`). `close()` disconnects both clients.
 */
export async function cachedUsersOnCluster(cluster: SpawnedCluster, label: string, timeoutMs: number) {
  const redis = cluster.client(CLUSTER_OPTIONS);
  const observerRedis = cluster.client(CLUSTER_OPTIONS);
  const source = new UserStoreWithMany();
  const ids = Array.from({ length: 300 }, () => source.put(makeUser()).id);
  const events = collectEvents();
  const options = { source, keyPrefix: uniquePrefix(label), encryptionKeys, timeoutMs };
  const repo = new UserRepository({ ...options, redis, onEvent: events.onEvent });
  const observer = new UserRepository({ ...options, redis: observerRedis });
  const close = (): void => {
    redis.disconnect();
    observerRedis.disconnect();
  };
  try {
    await until(() => redis.status === "ready" && observerRedis.status === "ready", 10_000);
    await repo.getMany(ids);
  } catch (error) {
    close();
    throw error;
  }
  return { redis, source, ids, events, repo, observer, close };
}
