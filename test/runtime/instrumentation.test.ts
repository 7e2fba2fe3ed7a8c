import { randomUUID } from "node:crypto";
import { deleteByPrefix, type CacheEventType, type Instrumentation } from "cachegen/runtime";
import { describe, expect, it } from "vitest";
import {
  UserRepository,
  type User,
  type UserSource,
} from "../fixtures/valid/full-featured-read-through/expected/user.js";
import { goldenUser } from "./fixtures/golden-user.js";
import { connect, encryptionKeys, uniquePrefix } from "./helpers.js";

/** Records what a repository tells its instrumentation; its `event` throws, like a broken exporter. */
function recorder(label: string, log: string[]): Instrumentation {
  return {
    entity: (entity) => ({
      operation: async (name, run) => {
        log.push(`${label} ${entity} ${name} start`);
        try {
          return await run();
        } finally {
          log.push(`${label} ${entity} ${name} end`);
        }
      },
      event: (type: CacheEventType) => {
        log.push(`${label} ${entity} event ${type}`);
        throw new Error("a broken exporter");
      },
    }),
  };
}

describe("the instrumentation option", () => {
  it("wraps every public operation under its method's name, nests an array in order, and survives a throwing event hook", async () => {
    const prefix = uniquePrefix("instr-ops");
    const redis = await connect();
    const rows = new Map<string, User>();
    const source: UserSource = {
      load: async ({ id }) => rows.get(id) ?? null,
      loadByEmail: async (email) => [...rows.values()].find((u) => u.email === email) ?? null,
      save: async (u) => void rows.set(u.id, u),
      delete: async ({ id }) => void rows.delete(id),
    };
    const log: string[] = [];
    const users = new UserRepository({
      redis,
      keyPrefix: prefix,
      source,
      encryptionKeys,
      instrumentation: [recorder("outer", log), recorder("inner", log)],
    });
    const ada = goldenUser();
    rows.set(ada.id, ada);
    try {
      expect(await users.get(ada.id)).toEqual(ada);
      expect(log).toEqual([
        "outer User get start",
        "inner User get start",
        "outer User event miss",
        "inner User event miss",
        "outer User event load",
        "inner User event load",
        "inner User get end",
        "outer User get end",
      ]);
      log.length = 0;
      await users.getByEmail(ada.email);
      await users.getMany([ada.id]);
      await users.refresh(ada.id);
      await users.save({ ...ada, name: "Ada L." });
      await users.invalidate(ada.id);
      await users.invalidateByTeam(ada.teamId);
      await users.delete(ada.id);
      await expect(users.get("not-a-uuid")).rejects.toThrow();
      const operations = log.filter((line) => line.startsWith("outer") && line.endsWith(" start"));
      expect(operations.map((line) => line.split(" ")[2])).toEqual([
        "getByEmail",
        "getMany",
        "refresh",
        "save",
        "invalidate",
        "invalidateTag",
        "delete",
        "get",
      ]);
      expect(log.at(-1)).toBe("outer User get end");
    } finally {
      await users.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it("is asked once per repository, with the entity's name; hooks it leaves out are not called", async () => {
    const asked: string[] = [];
    const instrumentation: Instrumentation = { entity: (name) => (asked.push(name), {}) };
    const redis = await connect();
    const source: UserSource = { load: async () => null, loadByEmail: async () => null };
    const users = new UserRepository({
      redis,
      keyPrefix: uniquePrefix("instr-none"),
      source,
      encryptionKeys,
      instrumentation,
    });
    try {
      expect(asked).toEqual(["User"]);
      expect(await users.get(randomUUID())).toBeNull();
      expect(asked).toEqual(["User"]);
    } finally {
      await users.close();
      redis.disconnect();
    }
  });
});
