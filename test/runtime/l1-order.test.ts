// The L1 tier evicts the least recently used entry first: its order of use is a list through the
// entries (src/runtime/l1.ts), kept exactly by hits, sets, deletes, clears and expiry.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { CommandClient } from "../../src/runtime/command-client.js";
import { L1Cache } from "../../src/runtime/l1.js";

/** A client whose duplicate is a subscriber that is ready at once (no Redis: the order is all in process). */
function fakeClient(): CommandClient {
  const client = new EventEmitter() as EventEmitter & Record<string, unknown>;
  client.status = "ready";
  client.duplicate = () => {
    const sub = new EventEmitter() as EventEmitter & Record<string, unknown>;
    sub.status = "ready";
    sub.subscribe = () => Promise.resolve(1);
    sub.disconnect = () => undefined;
    return sub;
  };
  return client as unknown as CommandClient;
}

async function liveCache(maxEntries: number): Promise<L1Cache<{ n: number }>> {
  const cache = new L1Cache<{ n: number }>(fakeClient(), "channel", maxEntries, 60_000, (error) => {
    throw error;
  });
  cache.mark(); // subscribes; the tier serves once the subscription is confirmed
  await Promise.resolve();
  return cache;
}

function put(cache: L1Cache<{ n: number }>, key: string, n: number): void {
  cache.set(key, { n }, Date.now() + 60_000, cache.mark(), 10);
}

const held = (cache: L1Cache<{ n: number }>, keys: readonly string[]): string[] =>
  keys.filter((key) => cache.get(key) !== undefined);

describe("L1 order of use", () => {
  it("evicts the least recently used entry: a hit makes an entry the most recent", async () => {
    const cache = await liveCache(3);
    put(cache, "a", 1);
    put(cache, "b", 2);
    put(cache, "c", 3);
    expect(cache.get("a")).toEqual({ n: 1 }); // order now b, c, a
    put(cache, "d", 4); // evicts b
    expect(cache.size.entries).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("c")).toEqual({ n: 3 }); // order a, d, c
    put(cache, "e", 5); // evicts a
    expect(held(cache, ["a", "b", "c", "d", "e"])).toEqual(["c", "d", "e"]);
  });

  it("keeps the order through replacing, deleting the oldest, middle and newest entries, and clearing", async () => {
    const cache = await liveCache(4);
    for (const [i, key] of ["a", "b", "c", "d"].entries()) put(cache, key, i);
    put(cache, "a", 10); // replaced: now the most recent (b, c, d, a)
    cache.delete(["b"]); // the oldest
    put(cache, "x", 11); // c, d, a, x
    cache.delete(["d"]); // a middle one
    put(cache, "y", 12); // c, a, x, y
    cache.delete(["y"]); // the newest
    put(cache, "z", 13); // c, a, x, z
    put(cache, "w", 14); // evicts c
    expect(cache.get("c")).toBeUndefined();
    expect(cache.get("a")).toEqual({ n: 10 });
    expect(held(cache, ["a", "x", "z", "w"])).toEqual(["a", "x", "z", "w"]);
    expect(cache.size.entries).toBe(4);

    cache.clear();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
    for (const key of ["p", "q", "r", "s", "t"]) put(cache, key, 0);
    expect(held(cache, ["p", "q", "r", "s", "t"])).toEqual(["q", "r", "s", "t"]);
  });

  it("drops an expired entry from the order when it is read", async () => {
    const cache = await liveCache(2);
    cache.set("old", { n: 1 }, Date.now() + 20, cache.mark(), 10);
    expect(cache.size.entries).toBe(1);
    put(cache, "b", 2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.get("old")).toBeUndefined();
    put(cache, "c", 3); // room without evicting b
    expect(held(cache, ["b", "c"])).toEqual(["b", "c"]);
  });
});
