import { describe, expect, it } from "vitest";
import { BatchEntry, Coalescer, SWEEP_AT } from "../../src/runtime/coalescer.js";

/** Reads `keys` as getMany does (claimed, started, released once answered), one batch at a time. */
async function readBatches(coalescer: Coalescer<string | null>, keys: readonly string[], size: number): Promise<void> {
  for (let from = 0; from < keys.length; from += size) {
    const batch = new BatchEntry<string | null>(null);
    const part = keys.slice(from, from + size);
    for (const key of part) coalescer.claim(coalescer.slot(key), batch);
    const read = Promise.resolve(part.map((key) => `value of ${key}`));
    coalescer.startBatch(batch, read);
    await read;
    await Promise.resolve(); // the release runs after the read's own continuations
  }
}

const keysOf = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}:${i}`);

describe("Coalescer", () => {
  // A sweep shrinks the map's table and the next reads grow it again (tables promoted to the old
  // generation, then garbage there): a working set of a few thousand keys must not cause that.
  it("keeps the settled entries of a working set of 3000 keys: read again and again, the map is never swept", async () => {
    const coalescer = new Coalescer<string | null>();
    const workingSet = keysOf(3000, "hot");
    for (let round = 0; round < 5; round++) {
      await readBatches(coalescer, workingSet, 100);
      expect(coalescer.entries).toBe(workingSet.length);
    }
  });

  it("bounds what it keeps: reading many more distinct keys than SWEEP_AT sweeps the settled ones", async () => {
    const coalescer = new Coalescer<string | null>();
    await readBatches(coalescer, keysOf(20 * SWEEP_AT, "cold"), 100);
    expect(coalescer.entries).toBeLessThanOrEqual(SWEEP_AT);
  });

  it("a key of a batch still in flight is joined after sweeps, and answered from the batch", async () => {
    const coalescer = new Coalescer<string | null>();
    await readBatches(coalescer, keysOf(3 * SWEEP_AT, "cold"), 100);
    const batch = new BatchEntry<string | null>(null);
    coalescer.claim(coalescer.slot("k"), batch);
    let answer!: (values: readonly (string | null)[]) => void;
    const read = new Promise<readonly (string | null)[]>((resolve) => (answer = resolve));
    coalescer.startBatch(batch, read);
    const joined = coalescer.get("k");
    expect(joined).toBeDefined();
    answer(["v"]);
    expect(await joined).toBe("v");
    await Promise.resolve();
    expect(coalescer.get("k")).toBeUndefined();
  });

  it("after forget, a new read of the key starts afresh, and the older read settling does not release the newer one", async () => {
    const coalescer = new Coalescer<string | null>();
    let answerOld!: (value: string) => void;
    const old = new Promise<string | null>((resolve) => (answerOld = resolve));
    coalescer.register(coalescer.slot("k"), old);
    expect(coalescer.get("k")).toBe(old);
    coalescer.forget("k");
    expect(coalescer.get("k")).toBeUndefined();
    const slot = coalescer.slot("k");
    const newer = new Promise<string | null>(() => undefined);
    coalescer.hold(slot, newer);
    answerOld("old value");
    await old;
    await Promise.resolve();
    expect(coalescer.get("k")).toBe(newer);
    coalescer.release(slot, old);
    expect(coalescer.get("k")).toBe(newer);
    coalescer.release(slot, newer);
    expect(coalescer.get("k")).toBeUndefined();
  });

  it("after forgetAll, reads still in flight are joined by no one, and their settling leaves later reads in place", async () => {
    const coalescer = new Coalescer<string | null>();
    const before = coalescer.slot("k");
    const old = Promise.resolve<string | null>("old value");
    coalescer.hold(before, old);
    coalescer.forgetAll();
    expect(coalescer.get("k")).toBeUndefined();
    expect(coalescer.entries).toBe(0);
    const newer = new Promise<string | null>(() => undefined);
    coalescer.hold(coalescer.slot("k"), newer);
    coalescer.release(before, old);
    expect(coalescer.get("k")).toBe(newer);
  });

  it("never sweeps a slot with a read in flight", async () => {
    const coalescer = new Coalescer<string | null>();
    const pending = new Promise<string | null>(() => undefined);
    coalescer.hold(coalescer.slot("busy"), pending);
    await readBatches(coalescer, keysOf(3 * SWEEP_AT, "cold"), 100);
    expect(coalescer.get("busy")).toBe(pending);
  });
});
