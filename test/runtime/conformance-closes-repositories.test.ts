import { EventEmitter } from "node:events";
import { afterAll, expect } from "vitest";

/**
 * The conformance suite closes each case's repository after the case: an l1 repository keeps an
 * `end` listener on the shared client while open, so the 15 cases' repositories open at once made
 * Node print MaxListenersExceededWarning in every app's generated test of an l1 entity (vitest
 * hides it in this repository, so the listeners are counted instead).
 */
let mostEndListeners = 0;
const once = EventEmitter.prototype.once;
EventEmitter.prototype.once = function (this: EventEmitter, event, listener) {
  const result = once.call(this, event, listener);
  if (event === "end") mostEndListeners = Math.max(mostEndListeners, this.listenerCount("end"));
  return result;
};

// The shop's generated Customer test (an l1 entity): its conformance cases run as part of this file.
await import("../../generated/customer.test.js");

afterAll(() => {
  EventEmitter.prototype.once = once;
  expect(mostEndListeners).toBeLessThanOrEqual(2);
});
