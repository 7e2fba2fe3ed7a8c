// A new application process: constructs its ioredis client and the repositories, and at once (no
// wait for the connection) issues gets of cached keys, write-behind saves and a getMany of keys not
// cached yet, all together; reports loads and errors.
import { Redis } from "ioredis";
import type { CacheEvent } from "cachegen/runtime";
import { createRepositories } from "../../fixtures/valid/write-behind-msgpack/expected/index.js";
import { childInput, tell } from "../../support/child-side.js";
import { countingOrders, order, type StartupInput, type StartupReport } from "./startup-protocol.js";

const input = childInput<StartupInput>();
const source = countingOrders();
const redisErrors: string[] = [];
const redis = new Redis(input.redisUrl);
const repositories = createRepositories({
  redis,
  keyPrefix: input.keyPrefix,
  onEvent: (event: CacheEvent) => {
    if (event.type === "redis-error") redisErrors.push(`${event.detail}: ${String(event.error)}`);
  },
  sources: { order: source },
});

const errors: string[] = [];
let wrongValues = 0;
const calls: Promise<unknown>[] = [
  ...input.cachedIds.map((id) =>
    repositories.order.get(id).then((value) => void (value?.revision === 7 || (wrongValues += 1))),
  ),
  ...input.savedIds.map((id) => repositories.order.save(order(id, 2))),
  repositories.order.getMany(input.uncachedIds),
];
for (const outcome of await Promise.allSettled(calls)) {
  if (outcome.status === "rejected") errors.push(String(outcome.reason));
}
const report: StartupReport = {
  type: "done",
  loads: source.loads,
  errors: errors.slice(0, 3),
  redisErrors: redisErrors.slice(0, 3),
  wrongValues,
};
tell(report);
redis.disconnect();
