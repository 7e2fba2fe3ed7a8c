// close() on a repository and on what createRepositories returns stops what they started: a
// process whose repositories and client are closed exits by itself (issue 10).
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { Children, type Message } from "../support/child-process.js";
import { uniquePrefix } from "./helpers.js";

const children = new Children<Message, Message>("test/runtime/children/closing-app.ts");

afterAll(() => children.killAll());

describe("close()", () => {
  it("a process with an L1 tier, a write-behind worker and used repositories exits by itself once they and its client are closed", async () => {
    const child = children.start({
      redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      keyPrefix: uniquePrefix("close"),
      orderId: randomUUID(),
      userId: randomUUID(),
    });
    await child.next("closed", 30_000);
    expect(await child.exitedWithin(5_000)).toBe("code 0");
  }, 60_000);
});
