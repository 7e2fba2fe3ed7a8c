// Guarantee 5, "nothing ever sends KEYS". Injective encoding, hash tags and prefixes (fast-check):
// key-encoding.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { UserRepository } from "../../runtime/fixtures/user.js";
import { encryptionKeys, makeUser, UserStoreWithMany } from "../../runtime/helpers.js";
import { commandStats, diffStats, SpawnedRedis } from "../../support/redis-server.js";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
const SCANNED = ["src", "templates", "generated"];

/** Ways code can send the Redis KEYS command (Map, Set and Object `.keys()` are not among them). */
const KEYS_COMMAND = [
  // named in a command call: ioredis call/callBuffer/sendCommand/new Command, Lua redis.call/pcall
  /\b(?:p?call|callBuffer|send_?command|Command)\s*\(\s*["'`]keys["'`]/i,
  // ioredis' keys(pattern) / keysBuffer(pattern) method: it takes an argument, Map#keys() does not
  /(?<!\bObject)\.keys(?:Buffer)?\(\s*[^\s)]/,
  // a command array for pipeline() / multi()
  /\[\s*["'`]keys["'`]\s*,/i,
];

function sendsKeys(text: string): boolean {
  return KEYS_COMMAND.some((pattern) => pattern.test(text));
}

function filesUnder(folder: string): string[] {
  return readdirSync(join(repositoryRoot, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("guarantee 5: keys", () => {
  it("guarantee 5 (keys): the KEYS detector flags every way of sending KEYS and nothing else", () => {
    const sending = [
      `await redis.call("KEYS", pattern)`,
      `client.callBuffer('keys', "app:*")`,
      `redis.call('KEYS', ARGV[1])`,
      `redis.pcall("keys", "*")`,
      "node.sendCommand(new Command(`keys`, [match]))",
      `await redis.keys("app:*")`,
      `await cluster.keysBuffer(prefix + "*")`,
      `redis.pipeline([["keys", "*"]])`,
    ];
    const harmless = [
      `Object.keys(entity)`,
      `[...targets.keys()]`,
      `this.entries.keys().next()`,
      `local vk = KEYS[1]`,
      `await node.scan(cursor, "MATCH", match, "COUNT", count)`,
      `// SCAN, never KEYS`,
      `loadMany?(keys: UserKey[])`,
    ];
    expect(sending.filter((line) => !sendsKeys(line))).toEqual([]);
    expect(harmless.filter(sendsKeys)).toEqual([]);
  });

  it(`guarantee 5 (keys): nothing in ${SCANNED.join("/, ")}/ sends KEYS`, () => {
    const files = SCANNED.flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .filter((file) => sendsKeys(readFileSync(file, "utf8")))
      .map((file) => relative(repositoryRoot, file));
    expect(offenders).toEqual([]);
  });

  describe("on a server of our own", () => {
    let server: SpawnedRedis;
    let redis: Redis;

    beforeAll(async () => {
      server = await SpawnedRedis.start();
      redis = new Redis({ host: "127.0.0.1", port: server.port });
    });

    afterAll(async () => {
      redis.disconnect();
      await server.stop();
    });

    it("guarantee 5 (keys): every read, write and invalidation of a repository, and deleteByPrefix, send no KEYS (INFO commandstats)", async () => {
      const prefix = "cgtest:g5:";
      const source = new UserStoreWithMany();
      const [a, b] = [source.put(makeUser()), source.put(makeUser())];
      const users = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
      const before = await commandStats(redis);

      await users.get(a.id);
      await users.get(a.id);
      await users.getMany([a.id, b.id, randomUUID()]);
      await users.getByEmail(b.email);
      await users.refresh(b.id);
      await users.save({ ...a, name: "changed" });
      await users.invalidate(b.id);
      await users.invalidateTeam(a.teamId);
      await users.delete(b.id);
      expect(await deleteByPrefix(redis, prefix)).toBeGreaterThan(0);

      const sent = diffStats(before, await commandStats(redis));
      expect(sent).not.toHaveProperty("keys");
      expect(Object.keys(sent)).toEqual(expect.arrayContaining(["get", "mget", "evalsha", "scan", "unlink"])); // the run did all of it
    });
  });
});
