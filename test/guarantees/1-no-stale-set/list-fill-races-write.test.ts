// Guarantee 1 for lists, with a forced interleaving: a reader loads a list (its lease held in the
// list key), a writer commits a change of a member and drops the member's lists, then the reader
// fills. The list must not be cached as loaded before the write.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { collectEvents, connect, encryptionKeys, makeUser, uniquePrefix } from "../../runtime/helpers.js";
import { TEAM_A, TEAM_B, TeamListRepo, TeamStore, usersWithTeamList } from "../../runtime/list-fixtures.js";

let redis: Redis;
let writerRedis: Redis;
const prefix = uniquePrefix("g1list");

beforeAll(async () => {
  [redis, writerRedis] = await Promise.all([connect(), connect()]);
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await Promise.all([redis.quit(), writerRedis.quit()]);
});

describe("guarantee 1: no stale set (lists)", () => {
  for (const strategy of ["read-through", "write-through"] as const) {
    it(`${strategy}: a list fill racing a member joining the list never leaves the list without it`, async () => {
      const source = new TeamStore();
      source.put(makeUser({ name: "a1", teamId: TEAM_A }));
      const definition = usersWithTeamList({ strategy });
      const events = collectEvents();
      // Reader and writer on separate connections, like two processes.
      const reader = new TeamListRepo(definition, {
        redis,
        source,
        keyPrefix: `${prefix}${strategy}:join:`,
        encryptionKeys,
        onEvent: events.onEvent,
      });
      const writer = new TeamListRepo(definition, {
        redis: writerRedis,
        source,
        keyPrefix: `${prefix}${strategy}:join:`,
        encryptionKeys,
      });

      const hold = source.holdNextList();
      const read = reader.listByTeam(TEAM_A); // miss: takes the list's lease, loads [a1], stalls before filling
      await hold.loaded;
      await writer.save(makeUser({ name: "a2", teamId: TEAM_A })); // source, then drops list A
      hold.release();
      expect((await read).map((u) => u.name)).toEqual(["a1"]); // the reader returns what it loaded ...

      expect(events.of("fill-rejected").map((e) => e.key)).toEqual([expect.stringContaining(":m:byTeam:")]);
      // ... but the cache does not keep it: the next read sees the new member
      expect((await reader.listByTeam(TEAM_A)).map((u) => u.name).sort()).toEqual(["a1", "a2"]);
    });

    it(`${strategy}: a list fill racing a member leaving the list never serves it in the old list`, async () => {
      const source = new TeamStore();
      const leaver = source.put(makeUser({ name: "leaver", teamId: TEAM_A }));
      const definition = usersWithTeamList({ strategy });
      const reader = new TeamListRepo(definition, {
        redis,
        source,
        keyPrefix: `${prefix}${strategy}:leave:`,
        encryptionKeys,
      });
      const writer = new TeamListRepo(definition, {
        redis: writerRedis,
        source,
        keyPrefix: `${prefix}${strategy}:leave:`,
        encryptionKeys,
      });

      const hold = source.holdNextList();
      const read = reader.listByTeam(TEAM_A);
      await hold.loaded;
      await writer.save({ ...leaver, teamId: TEAM_B, updatedAt: new Date(leaver.updatedAt.getTime() + 1) });
      hold.release();
      await read;
      expect(await reader.listByTeam(TEAM_A)).toEqual([]);
      expect((await reader.listByTeam(TEAM_B)).map((u) => u.name)).toEqual(["leaver"]);
    });
  }
});
