// What the startup test and its child (startup-app.ts) exchange.
import type { Order, OrderKey, OrderSource } from "../../fixtures/valid/write-behind-msgpack/expected/order.js";

export interface StartupInput {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly cachedIds: string[];
  readonly savedIds: string[];
  readonly uncachedIds: string[];
}

export interface StartupReport {
  readonly type: "done";
  readonly loads: number;
  readonly errors: string[];
  readonly redisErrors: string[];
  readonly wrongValues: number;
}

export function order(id: string, revision = 1): Order {
  return {
    id,
    customerId: "0b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1e01",
    status: "paid",
    total: 1999n,
    placedAt: new Date("2024-01-02T03:04:05.000Z"),
    revision,
    note: null,
  };
}

/** A source where every order exists (revision 1); `loads` counts the keys loaded. */
export function countingOrders(): OrderSource & { loads: number } {
  return {
    loads: 0,
    async load({ id }: OrderKey) {
      this.loads += 1;
      return order(id);
    },
    async loadMany(keys: OrderKey[]) {
      this.loads += keys.length;
      return keys.map(({ id }) => order(id));
    },
    save: async () => undefined,
    delete: async () => undefined,
  };
}
