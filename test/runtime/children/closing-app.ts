// An application process that uses its repositories (an L1 tier, a write-behind worker, an
// invalidation retry), then closes them and its Redis client, and must then exit by itself.
import { Redis } from "ioredis";
import { createRepositories } from "../../fixtures/valid/write-behind-msgpack/expected/index.js";
import { UserRepository } from "../../fixtures/valid/full-featured-read-through/expected/user.js";
import { childInput, tell } from "../../support/child-side.js";
import { encryptionKeys } from "../helpers.js";

const { redisUrl, keyPrefix, orderId, userId } = childInput<{
  redisUrl: string;
  keyPrefix: string;
  orderId: string;
  userId: string;
}>();
const redis = new Redis(redisUrl);
const repositories = createRepositories({
  redis,
  keyPrefix,
  sources: {
    order: { load: async () => null, save: async () => undefined, delete: async () => undefined },
  },
});
const users = new UserRepository({
  redis,
  keyPrefix,
  encryptionKeys,
  source: { load: async () => null, loadByEmail: async () => null },
});
repositories.order.startWorker({ pollMs: 50 });
await repositories.order.save({
  id: orderId,
  customerId: orderId,
  status: "paid",
  total: 1n,
  placedAt: new Date(),
  revision: 1,
  note: null,
});
await repositories.order.flush(10_000);
await users.get(userId); // L1 subscribes
await users.get(userId);
await users.invalidate(userId);
await repositories.close();
await users.close();
await redis.quit();
tell({ type: "closed" });
