// Guarantee 4 in the cache: a key with a write still queued is never expired, replaced by a fill or
// served from the source until its write has reached the source.
import { describe, expect, it } from "vitest";
import { defineEntity, Repository } from "cachegen/runtime";
import { encryptionKeys, makeUser } from "../../runtime/helpers.js";
import { until } from "../../support/wait.js";
import { later, writeBehindSuite, writeBehindUser } from "../../write-behind/fixtures.js";

const suite = writeBehindSuite("g4");
const { setup } = suite;

describe("guarantee 4: a key with a write queued is never expired or served from the source", () => {
  it("refresh, a fill under a lease, invalidate and invalidateTag all keep the queued value", async () => {
    const { table, repo, keyPrefix } = setup();
    const row = table.put(makeUser({ name: "row" }));
    const queued = later(row, 10, { name: "queued" });
    await repo.save(queued);

    expect(await repo.refresh(row.id)).toEqual(queued);
    // A read-through repository over the same keys refreshes under a lease and loads the row: its
    // fill must not replace the queued value.
    const readThrough = new Repository(defineEntity({ ...writeBehindUser, strategy: "read-through" }), {
      redis: suite.redis,
      source: table,
      keyPrefix,
      encryptionKeys,
    });
    expect(readThrough.keyOf(row.id)).toBe(repo.keyOf(row.id));
    expect((await readThrough.refresh(row.id))?.name).toBe("row");
    await repo.invalidate(row.id);
    await repo.invalidateTeam(row.teamId);
    expect(await suite.redis.pttl(repo.keyOf(row.id))).toBe(-1);
    expect(await repo.get(row.id)).toEqual(queued);
    expect(table.loads).toBe(1); // only the base refresh above
  });

  it("getBy<Index> of the old indexed value finds nothing, although the source still has that row", async () => {
    const { table, repo } = setup();
    const row = table.put(makeUser({ email: "before@example.com" }));
    expect((await repo.getByEmail("before@example.com"))?.id).toBe(row.id);
    await repo.save(later(row, 10, { email: "after@example.com" }));
    expect(await repo.getByEmail("before@example.com")).toBeNull();
    expect((await repo.getByEmail("after@example.com"))?.email).toBe("after@example.com");
    await repo.delete(row.id);
    expect(await repo.getByEmail("after@example.com")).toBeNull();
  });

  it("a key saved again while its first write is in flight keeps no expiry until the second write lands", async () => {
    const { table, repo, start } = setup();
    const user = makeUser({ name: "first" });
    await repo.save(user);
    const first = table.holdNextWrite();
    start();
    await first.written; // the worker holds the first write
    await repo.save(later(user, 10, { name: "second" }));
    const second = table.holdNextWrite(); // and will hold the second
    first.release();
    await until(async () => table.rows.get(user.id)?.name === "first" && (await repo.pending()) === 1, 5_000);
    expect(await suite.redis.pttl(repo.keyOf(user.id))).toBe(-1);
    second.release();
    await repo.flush(5_000);
    expect(table.rows.get(user.id)?.name).toBe("second");
    expect(await suite.redis.pttl(repo.keyOf(user.id))).toBeGreaterThan(0);
  });
});
