// An application process: saves orders (write-behind) with increasing revisions per order, reports
// every save that resolved, and runs a (slow) worker of its own. Runs until it is killed.
import { CacheUnavailableError, CacheWriteUnknownError } from "cachegen/runtime";
import { OrderRepository, type Order, type OrderSource } from "../../../generated/order.js";
import { childInput, exitWithParent, tell } from "../../support/child-side.js";
import { sleep } from "../../support/wait.js";
import { connectShop, order, type AppInput, type FromApp } from "./protocol.js";

const input = childInput<AppInput>();
const report = (message: FromApp): void => tell(message);
exitWithParent();

const { redis, orders } = await connectShop(input);
const slowed: OrderSource = {
  ...orders,
  saveMany: async (batch) => {
    await sleep(input.workerDelayMs);
    await orders.saveMany!(batch);
  },
};
const repository = new OrderRepository({
  redis,
  source: slowed,
  keyPrefix: input.keyPrefix,
  ...(input.durability && { durability: { ...input.durability } }),
});
repository.startWorker({ consumer: "app", minIdleMs: 60_000 });

let acked: [string, number][] = [];
setInterval(() => {
  if (!acked.length) return;
  report({ type: "acked", saves: acked });
  acked = [];
}, 10);

/** What an application does with CacheUnavailableError (not queued) and CacheWriteUnknownError (maybe queued): retry after a pause (safe: the worker writes at least once). */
let retries = 0;
async function saveUntilAcknowledged(value: Order): Promise<void> {
  for (;;) {
    try {
      await repository.save(value);
      return;
    } catch (error) {
      if (!(error instanceof CacheUnavailableError || error instanceof CacheWriteUnknownError)) throw error;
      retries += 1;
      await sleep(10);
    }
  }
}

report({ type: "ready" });
await Promise.all(
  Array.from({ length: input.lanes }, async (_, lane) => {
    const mine = input.orderIds.filter((_, i) => i % input.lanes === lane);
    for (let revision = 1; revision <= input.revisions; revision++) {
      for (const id of mine) {
        await saveUntilAcknowledged(order(id, input.customerId, revision));
        acked.push([id, revision]);
      }
    }
  }),
);
setTimeout(() => report({ type: "saved", retries }), 20); // after the last "acked"
