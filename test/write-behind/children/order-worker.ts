// A write-behind worker process for orders. With `hang`, its source never returns: it holds what it
// read (reporting how much in all: each queue partition hands it a batch) until it is killed.
import { OrderRepository, type Order, type OrderSource } from "../../../generated/order.js";
import { childInput, exitWithParent, tell, whenTold } from "../../support/child-side.js";
import { connectShop, type FromWorker, type WorkerInput } from "./protocol.js";

const input = childInput<WorkerInput>();
const report = (message: FromWorker): void => tell(message);
exitWithParent();

const { redis, orders } = await connectShop(input);
let held = 0;
const hold = (batch: Order[]): Promise<void> => {
  held += batch.length;
  report({ type: "holding", count: held });
  return new Promise(() => undefined);
};
const source: OrderSource = input.hang ? { ...orders, save: (one) => hold([one]), saveMany: hold } : orders;
const repository = new OrderRepository({ redis, source, keyPrefix: input.keyPrefix });
const worker = repository.startWorker({ consumer: input.consumer, minIdleMs: input.minIdleMs, pollMs: input.pollMs });
report({ type: "started" });

await whenTold("stop");
await worker.stop();
report({ type: "stopped" });
process.exit(0);
