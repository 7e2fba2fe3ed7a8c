// Guarantee 2 with repositories on separate connections of this process (as separate processes
// would be). With real child processes, and a holder SIGKILLed mid-load: processes.test.ts.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { UserRepository } from "../../runtime/fixtures/user.js";
import { connect, encryptionKeys, makeUser, uniquePrefix, UserStore } from "../../runtime/helpers.js";

let redis: Redis;
const prefix = uniquePrefix("g2");

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

describe("guarantee 2: stampede", () => {
  it("guarantee 2 (stampede): repositories on separate connections (as separate processes) load once; the others wait for the fill", async () => {
    const source = new UserStore();
    source.delayMs = 100;
    const user = source.put(makeUser());
    const clients = await Promise.all([connect(), connect(), connect(), connect()]);
    try {
      const repos = clients.map(
        (client) => new UserRepository({ redis: client, source, keyPrefix: prefix, encryptionKeys }),
      );
      const results = await Promise.all(repos.flatMap((repo) => Array.from({ length: 25 }, () => repo.get(user.id))));
      expect(results.every((r) => r?.id === user.id)).toBe(true);
      expect(source.loads).toBe(1);
      const total = repos
        .map((r) => r.stats())
        .reduce((a, s) => ({ loads: a.loads + s.loads, waits: a.waits + s.leaseWaits + s.coalesced }), {
          loads: 0,
          waits: 0,
        });
      expect(total).toEqual({ loads: 1, waits: 99 });
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});
