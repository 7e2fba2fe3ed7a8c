import { describe, expect, it } from "vitest";
import { makeUser } from "../runtime/helpers.js";
import { until } from "../support/wait.js";
import { writeBehindSuite } from "./fixtures.js";

const suite = writeBehindSuite("wb-horizon");

/** What a driver throws while its database restarts. */
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

describe("write-behind: retrying an unreachable source", () => {
  it("past maxAttempts the value stays queued and cached while the source is unreachable; it lands when the source is back", async () => {
    const { table, repo, events, start } = suite.setup();
    const user = makeUser();
    await repo.save(user);
    const saveMany = table.saveMany.bind(table);
    const save = table.save.bind(table);
    let down = true;
    table.saveMany = async (users) => (down ? Promise.reject(refused()) : saveMany(users));
    table.save = async (u) => (down ? Promise.reject(refused()) : save(u));
    start({ retryBaseMs: 5, minIdleMs: 100 });
    await until(() => events.of("write-failed").length >= 10, 5_000); // maxAttempts is 3
    expect(events.of("dead-letter")).toHaveLength(0);
    expect(await repo.get(user.id)).toEqual(user);
    expect(table.loads).toBe(0);
    down = false;
    await repo.flush(5_000);
    expect(table.rows.get(user.id)).toEqual(user);
  });

  it("past retryHorizonMs (time since its first failure) it is dead-lettered", async () => {
    const { table, repo, events, start } = suite.setup();
    await repo.save(makeUser());
    table.saveMany = async () => Promise.reject(refused());
    table.save = async () => Promise.reject(refused());
    start({ retryBaseMs: 5, minIdleMs: 100, retryHorizonMs: 300 });
    await until(() => events.of("dead-letter").length === 1, 5_000);
    expect(await repo.pending()).toBe(0);
  });

  it("isRetryable decides: an error it calls retryable is retried past maxAttempts", async () => {
    const { table, repo, events, start } = suite.setup();
    const user = makeUser();
    await repo.save(user);
    table.failures = 8; // plain errors: refused by default, retryable here
    start({ retryBaseMs: 5, minIdleMs: 100, isRetryable: (error: unknown) => /unavailable/.test(String(error)) });
    await repo.flush(5_000);
    expect(events.of("dead-letter")).toHaveLength(0);
    expect(table.rows.get(user.id)).toEqual(user);
  });
});
