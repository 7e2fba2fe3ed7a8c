// The lane keeps calls only while they are unanswered: a call holds its caller's reply handler
// (and through it what the reply was decoded into), so one kept after its answer keeps a whole
// getMany's values alive.
import { describe, expect, it } from "vitest";
import { Lane, type SentCall, type WaitingCall } from "../../src/runtime/lane.js";

function sentCall(): SentCall & { settled: boolean } {
  return { timeoutMs: 60_000, settled: false, timeOut: () => undefined };
}

/** Every call the lane still refers to (its private lists, read for this test). */
function held(lane: Lane): unknown[] {
  const inside = lane as unknown as { sent: unknown[]; waiting: unknown[] };
  return [...inside.sent, ...inside.waiting];
}

describe("lane", () => {
  it("lets go of a call once the head has passed it, while later calls are still in flight", () => {
    const lane = new Lane(true);
    const calls = Array.from({ length: 4 }, sentCall);
    for (const call of calls) lane.add(call);
    for (const call of calls.slice(0, 3)) {
      call.settled = true;
      lane.settle(true);
      expect(held(lane)).not.toContain(call);
    }
    expect(held(lane)).toContain(calls[3]);
    expect(lane.inFlight).toBe(1);
  });

  it("lets go of a waiting call once it is sent", () => {
    const lane = new Lane(true);
    const inFlight = Array.from({ length: 64 }, sentCall);
    for (const call of inFlight) lane.add(call);
    const sent: WaitingCall[] = [];
    const waiting: WaitingCall[] = Array.from({ length: 2 }, () => ({
      send: () => {
        sent.push(waiting[sent.length]!);
        lane.add(sentCall());
      },
    }));
    for (const call of waiting) lane.wait(call);
    inFlight[0]!.settled = true;
    lane.settle(true);
    expect(sent).toEqual([waiting[0]]);
    expect(held(lane)).not.toContain(waiting[0]);
    expect(held(lane)).toContain(waiting[1]);
  });
});
