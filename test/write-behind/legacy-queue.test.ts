// Upgrade: entries queued by a deploy of key layout 1 (one `{<Entity>}:q` stream per entity, its
// value and pending count under the `{<Entity>}` hash tag) still reach the source after the upgrade.
import { describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { makeUser } from "../runtime/helpers.js";
import { until } from "../support/wait.js";
import { writeBehindSuite } from "./fixtures.js";

const suite = writeBehindSuite("wb-legacy");

describe("write-behind: the layout-1 queue drains after the upgrade", () => {
  it("a save queued in {User}:q by the previous layout reaches the source through a new worker, then settles in the old namespace", async () => {
    const { table, repo, start, keyPrefix } = suite.setup();
    const redis = suite.redis;
    const user = makeUser({ name: "queued before the upgrade" });
    // A stored value as the previous deploy wrote it: take this deploy's bytes (the stored form did not change).
    await repo.save(user);
    const stored = await redis.getBuffer(repo.keyOf(user.id));
    await repo.delete(user.id); // (queued too; dropped with this deploy's streams below)
    await deleteByPrefix(redis, `${keyPrefix}User:`); // this deploy's keys and streams (this test's prefix only)

    const oldNs = "1.0ld1ay0t";
    const legacy = `${keyPrefix}{User}:`;
    const valueKey = `${legacy}${oldNs}:v:${user.id}`;
    await redis.set(valueKey, stored!); // queued: no expiry
    await redis.set(`${legacy}${oldNs}:p:${user.id}`, 1);
    await redis.xgroup("CREATE", `${legacy}q`, "cachegen", "0", "MKSTREAM");
    await redis.xadd(`${legacy}q`, "*", "op", "s", "key", user.id, "ns", oldNs, "value", stored!);
    expect(await repo.pending()).toBe(1); // pending() counts the layout-1 stream too

    start();
    await until(async () => table.rows.has(user.id), 10_000);
    expect(table.rows.get(user.id)?.name).toBe("queued before the upgrade");
    await repo.flush(5_000);
    expect(await redis.xlen(`${legacy}q`)).toBe(0);
    expect(await redis.exists(`${legacy}${oldNs}:p:${user.id}`)).toBe(0);
    // Landed: no longer a queued value (with versionField and no row answered it is dropped, see the worker).
    expect(await redis.pttl(valueKey)).not.toBe(-1);
  });
});
