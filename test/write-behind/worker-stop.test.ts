import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { encryptionKeys, makeUser, ownRedisServer, ready, uniquePrefix } from "../runtime/helpers.js";
import { until } from "../support/wait.js";
import { UserTable, WriteBehindUserRepository } from "./fixtures.js";

// worker.stop() returns within stopTimeoutMs whatever Redis does (down, hung): a shutdown under a
// grace period must not end in SIGKILL. Entries the worker held stay pending; another worker (or
// this one restarted under its consumer name) takes them over, so nothing is lost.

const own = ownRedisServer();
const clients: Redis[] = [];

afterAll(() => {
  for (const client of clients) client.disconnect();
});

/** Rejects if `operation` is still pending after `ms` (a hang), else resolves with its elapsed ms. */
async function settlesWithin(operation: Promise<unknown>, ms: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    operation,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  return Date.now() - started;
}

async function runningWorker(stopTimeoutMs: number) {
  // The app's client as ioredis' docs suggest for long-lived apps: retry every command forever.
  const redis = own.client({ maxRetriesPerRequest: null });
  clients.push(redis);
  await ready(redis);
  const table = new UserTable();
  const repo = new WriteBehindUserRepository({
    redis,
    source: table,
    keyPrefix: uniquePrefix("wb-stop"),
    encryptionKeys,
  });
  await repo.save(makeUser());
  const worker = repo.startWorker({ pollMs: 50, stopTimeoutMs });
  await repo.flush(5_000);
  return { worker, repo, redis, table };
}

describe("write-behind worker: stop() is bounded", () => {
  it("with Redis hung (SIGSTOP), stop() returns within stopTimeoutMs", async () => {
    const { worker } = await runningWorker(500);
    own.server.signal("SIGSTOP");
    try {
      const elapsed = await settlesWithin(worker.stop(), 4_000);
      console.log(`[write-behind stop] Redis hung: stop() returned after ${elapsed} ms (stopTimeoutMs 500)`);
    } finally {
      own.server.signal("SIGCONT");
    }
  });

  it("with Redis down (killed) and a client that retries forever, stop() returns within stopTimeoutMs", async () => {
    const { worker, redis } = await runningWorker(2_000);
    await own.server.kill();
    try {
      await until(() => redis.status !== "ready", 5_000);
      const elapsed = await settlesWithin(worker.stop(), 4_000);
      console.log(`[write-behind stop] Redis down: stop() returned after ${elapsed} ms (stopTimeoutMs 2000)`);
    } finally {
      await own.server.startProcess();
    }
  });

  it("with Redis healthy, stop() finishes the batch in flight first (graceful)", async () => {
    const { worker, repo, table } = await runningWorker(5_000);
    const held = table.holdNextWrite();
    const user = makeUser();
    await repo.save(user);
    await held.written;
    const stopped = worker.stop();
    held.release();
    await settlesWithin(stopped, 5_000);
    expect(table.rows.get(user.id)).toEqual(user);
    expect(await repo.pending()).toBe(0);
  });
});
