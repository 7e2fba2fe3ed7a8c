// Guarantee 7 in the runtime: entries are keyed by namespace, and the schema has the last word. (The
// namespace here is written by hand; that a changed shape gets a new one is the generator's part:
// regenerated-shapes.test.ts.)
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineEntity, deleteByPrefix, Repository } from "cachegen/runtime";
import { UserRepository, type User } from "../../runtime/fixtures/user.js";
import { connect, encryptionKeys, makeUser, uniquePrefix, UserStore } from "../../runtime/helpers.js";

let redis: Redis;
const prefix = uniquePrefix("g7");

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
});

describe("guarantee 7: deploy safety", () => {
  it("guarantee 7 (deploy safety): entries of another namespace are other keys, never decoded by the new shape", async () => {
    const source = new UserStore();
    const user = source.put(makeUser());
    const v1 = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await v1.get(user.id);

    interface UserV2 extends Omit<User, "age"> {
      age?: string | undefined;
    }
    const defV2 = defineEntity<UserV2, { id: string }>({
      ...v1.definition,
      invalidates: [],
      namespace: "1.77aa33ff",
      fields: { ...v1.definition.fields, age: { type: "string", optional: true } },
    });
    let loads = 0;
    const v2 = new Repository(defV2, {
      redis,
      keyPrefix: prefix,
      encryptionKeys,
      source: { load: async () => (loads++, { ...user, age: "forty" }) },
    });
    expect(v2.keyOf(user.id)).not.toBe(v1.keyOf(user.id));
    expect((await v2.get(user.id))?.age).toBe("forty");
    expect(loads).toBe(1);
    expect(v2.stats().invalidValues).toBe(0);
    expect(await redis.exists(v1.keyOf(user.id))).toBe(1); // the old entry is left to expire
  });

  it("guarantee 7 (deploy safety): even under the same namespace, an old-shape entry is rejected by the new schema", async () => {
    const source = new UserStore();
    const user = source.put(makeUser({ age: 40 }));
    const v1 = new UserRepository({ redis, source, keyPrefix: prefix, encryptionKeys });
    await v1.get(user.id);
    const defV2 = defineEntity<Omit<User, "age"> & { age: string }, { id: string }>({
      ...v1.definition,
      invalidates: [],
      fields: { ...v1.definition.fields, age: "string" },
    });
    const v2 = new Repository(defV2, {
      redis,
      keyPrefix: prefix,
      encryptionKeys,
      source: { load: async () => ({ ...user, age: "forty" }) },
    });
    expect(((await v2.get(user.id)) as { age: string }).age).toBe("forty");
    expect(v2.stats().invalidValues).toBe(1);
  });
});
