import { describe, expect, it } from "vitest";
import { bucketTags, crc16, keySlot, SLOTS, stableHash } from "../../src/runtime/slots.js";

// CRC16 against CLUSTER KEYSLOT: test/guarantees/8-cluster/repositories.test.ts.
describe("cluster slots", () => {
  it("crc16 is XMODEM's", () => {
    expect(crc16("123456789")).toBe(0x31c3);
  });

  it("bucket tags sit on evenly spaced slots, the same in every process", () => {
    for (const count of [1, 16, 64, 100]) {
      const tags = bucketTags(count);
      expect(new Set(tags).size).toBe(count);
      tags.forEach((tag, b) => expect(keySlot(`x{${tag}}y`)).toBe(Math.floor((b * SLOTS) / count)));
    }
    expect(bucketTags(64).slice(0, 3)).toEqual(["1bz", "nbd", "8yc"]);
    expect(stableHash("abc")).toBe(0x1a47e90b);
  });
});
