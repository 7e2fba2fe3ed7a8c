import { Redis } from "ioredis";
import pg from "pg";
import { redactUrl } from "../../src/cli/redaction.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { SpawnedRedis } from "./redis-server.js";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A server the tests use: where, how the run came by it, and how to let it go. */
export interface TestService {
  readonly url: string;
  /** For the run's log: `redis-server started on 127.0.0.1:40123 (nothing answered at ...)`. */
  readonly note: string | undefined;
  stop(): Promise<void>;
}

/** The Redis at `url` when one answers there, else a redis-server of the run's own on a free port. */
export async function redisForTests(url = DEFAULT_REDIS_URL): Promise<TestService> {
  if (await redisAnswers(url)) return { url, note: undefined, stop: async () => undefined };
  const server = await SpawnedRedis.start();
  return {
    url: `redis://127.0.0.1:${server.port}`,
    note: `no Redis answered at ${redactUrl(url)}: started redis-server on 127.0.0.1:${server.port} for this run`,
    stop: () => server.stop(),
  };
}

/** The PostgreSQL at `url` when one answers there, else an embedded one (PGlite) on a free port. */
export async function postgresForTests(url = DEFAULT_DATABASE_URL): Promise<TestService> {
  if (await postgresAnswers(url)) return { url, note: undefined, stop: async () => undefined };
  const embedded = await startEmbeddedPostgres();
  return {
    url: embedded.url,
    note: `no PostgreSQL answered at ${redactUrl(url)}: started an embedded PostgreSQL (PGlite) at ${embedded.url} for this run`,
    stop: () => embedded.stop(),
  };
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
