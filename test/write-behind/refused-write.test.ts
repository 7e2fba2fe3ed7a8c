// Issue 11 item 6 (write-behind): with versionField, a queued write the fenced source refused (an
// older revision) is never cached once it lands, even when the newer value left the cache
// (invalidated, expired, evicted) before the older write was queued. A source may answer the row it
// kept; the landing caches that.
import { describe, expect, it } from "vitest";
import type { User } from "../runtime/fixtures/user.js";
import { makeUser } from "../runtime/helpers.js";
import { sleep } from "../support/wait.js";
import { later, writeBehindSuite, type WriteBehindUserRepository } from "./fixtures.js";

const suite = writeBehindSuite("wb-refused");
const { setup } = suite;

const leaveCache: Record<string, (repo: WriteBehindUserRepository, user: User) => Promise<unknown>> = {
  invalidated: (repo, user) => repo.invalidate(user.id),
  expired: (repo, user) => suite.redis.pexpire(repo.keyOf(user.id), 1).then(() => sleep(5)),
  evicted: (repo, user) => suite.redis.del(repo.keyOf(user.id)),
};

describe("write-behind with versionField: what the fenced source refused is never cached", () => {
  for (const returnKept of [false, true])
    it.each(Object.keys(leaveCache))(
      `revision 2 landed, then %s; the older revision 1 queued and drained: get answers revision 2 (source answers ${returnKept ? "the row it kept" : "nothing"})`,
      async (how) => {
        const { table, repo, start } = setup();
        table.returnKept = returnKept;
        const v1 = makeUser({ name: "v1" });
        const v2 = later(v1, 10, { name: "v2" });
        const worker = start();
        await repo.save(v2);
        await repo.flush(5_000);
        expect(table.rows.get(v1.id)?.name).toBe("v2");
        await leaveCache[how]!(repo, v2);
        await repo.save(v1);
        await repo.flush(5_000);
        await worker.stop();

        expect(table.rows.get(v1.id)?.name).toBe("v2"); // the fenced source refused v1
        expect((await repo.get(v1.id))?.name).toBe("v2");
        const cached = await suite.redis.get(repo.keyOf(v1.id));
        expect(cached === null || !cached.includes('"v1"')).toBe(true);
      },
    );

  it("older revisions drained in one saveMany batch (which answers nothing) are not cached either", async () => {
    const { table, repo, start } = setup();
    table.returnKept = true;
    const olds = [makeUser({ name: "v1" }), makeUser({ name: "v1" })];
    for (const v1 of olds) table.put(later(v1, 10, { name: "v2" }));
    await Promise.all(olds.map((v1) => repo.save(v1)));
    const worker = start();
    await repo.flush(5_000);
    await worker.stop();
    expect(table.batches).toContain(2);
    for (const v1 of olds) {
      expect(table.rows.get(v1.id)?.name).toBe("v2");
      expect((await repo.get(v1.id))?.name).toBe("v2");
    }
  });

  it("a queued save over an older cached revision is cached once it lands (it can be proven the newest)", async () => {
    const { table, repo, start } = setup();
    const v1 = table.put(makeUser({ name: "v1" }));
    expect((await repo.get(v1.id))?.name).toBe("v1");
    await repo.save(later(v1, 10, { name: "v2" }));
    const worker = start();
    await repo.flush(5_000);
    await worker.stop();
    expect(await suite.redis.pttl(repo.keyOf(v1.id))).toBeGreaterThan(0);
    const loads = table.loads;
    expect((await repo.get(v1.id))?.name).toBe("v2");
    expect(table.loads).toBe(loads);
  });
});
