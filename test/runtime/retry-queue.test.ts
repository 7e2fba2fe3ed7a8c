// The retry queue of failed invalidations: past its bound nothing is dropped; one coarse task
// stands for everything it could not hold (issue 11 item 7; the end-to-end test is
// test/guarantees/3-fail-open/invalidation-overflow.test.ts).
import { describe, expect, it } from "vitest";
import { RetryQueue } from "../../src/runtime/retry-queue.js";

function queue(maxEntries: number) {
  let up = false;
  const ran: string[] = [];
  const reports: number[] = [];
  let fallbackWorks = true;
  const q = new RetryQueue(
    () => up,
    {
      run: async () => {
        ran.push("fallback");
        return fallbackWorks;
      },
      report: (replaced) => void reports.push(replaced),
    },
    maxEntries,
    60_000,
  );
  const task = (id: string) => async () => {
    ran.push(id);
    return true;
  };
  return {
    q,
    ran,
    reports,
    task,
    up: () => (up = true),
    fallbackFails: () => (fallbackWorks = false),
    fallbackWorks: () => (fallbackWorks = true),
  };
}

describe("RetryQueue past its bound", () => {
  it("below the bound, each task runs once Redis is back", async () => {
    const t = queue(3);
    for (const id of ["a", "b", "c"]) t.q.add(id, t.task(id), 60_000);
    t.up();
    await t.q.drain();
    expect(t.ran).toEqual(["a", "b", "c"]);
    expect(t.reports).toEqual([]);
    t.q.close();
  });

  it("one task more than it holds: all are replaced by the coarse task, reported once; every key counts as pending until it ran", async () => {
    const t = queue(3);
    for (const id of ["a", "b", "c", "d"]) t.q.add(id, t.task(id), 60_000);
    expect(t.reports).toEqual([4]);
    expect(t.q.has("a")).toBe(true);
    expect(t.q.has("never-added")).toBe(true);
    t.q.add("e", t.task("e"), 60_000); // covered by the coarse task, which has not started
    expect(t.reports).toEqual([4]);
    t.up();
    t.fallbackFails();
    await t.q.drain();
    expect(t.q.has("a")).toBe(true); // the coarse task failed: still owed
    t.fallbackWorks();
    await t.q.drain();
    expect(t.ran).toEqual(["fallback", "fallback"]);
    expect(t.q.has("a")).toBe(false);
    expect(t.q.has("never-added")).toBe(false);
    t.q.close();
  });
});
