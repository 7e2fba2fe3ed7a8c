import { describe, expect, it } from "vitest";
import { BatchEntry, Coalescer, SWEEP_AT } from "../../src/runtime/coalescer.js";

/** Reads `keys` as getMany does (claimed, started, released once answered), one batch at a time. */
async function readBatches(coalescer: Coalescer<string | null>, keys: readonly string[], size: number): Promise<void> {
  for (let from = 0; from < keys.length; from += size) {
    const batch = new BatchEntry<string | null>(null);
    const part = keys.slice(from, from + size);
    for (const key of part) coalescer.claim(key, batch);
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
    coalescer.claim("k", batch);
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
});
