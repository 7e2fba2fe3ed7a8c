import type { Cluster, Redis } from "ioredis";
import { openShopPool } from "../../../examples/shop/database.js";
import { createShopSources } from "../../../examples/shop/sources.js";
import type { Order, OrderSource } from "../../../generated/order.js";
import { connectChildRedis, type ChildRedisInput } from "../../support/child-side.js";

/** What every shop process gets: where Redis (or the cluster) and the throwaway PostgreSQL schema are. */
export interface ShopProcessInput extends ChildRedisInput {
  readonly keyPrefix: string;
  readonly schema: string;
}

/** An application process: saves orders with increasing revisions, reporting each acknowledged save. */
export interface AppInput extends ShopProcessInput {
  readonly customerId: string;
  readonly orderIds: readonly string[];
  /** Saves revisions 1 to `revisions` of every order. */
  readonly revisions: number;
  /** Concurrent save loops; each owns a share of the orders and saves revision 1, 2, ... of each in turn. */
  readonly lanes: number;
  /** Also runs a worker whose source write takes this much longer, so a kill lands mid-batch. */
  readonly workerDelayMs: number;
  /** The repository's `durability` option (saves wait for replicas). */
  readonly durability?: { readonly replicas: number; readonly timeoutMs?: number };
}

export type FromApp =
  { type: "ready" } | { type: "acked"; saves: [id: string, revision: number][] } | { type: "saved"; retries: number };

/** A worker process. `hang`: its source never returns, so it holds what it read until killed. */
export interface WorkerInput extends ShopProcessInput {
  readonly consumer: string;
  readonly minIdleMs: number;
  readonly pollMs: number;
  readonly hang: boolean;
}

export type FromWorker = { type: "started" } | { type: "holding"; count: number } | { type: "stopped" };

export function order(id: string, customerId: string, revision: number): Order {
  return {
    id,
    customerId,
    status: "pending",
    lines: [{ sku: "TEA-1", quantity: revision, unitPriceCents: 450 }],
    totalCents: BigInt(revision * 450),
    placedAt: new Date("2024-03-02T10:00:00.000Z"),
    revision,
  };
}

export async function connectShop(input: ShopProcessInput): Promise<{ redis: Redis | Cluster; orders: OrderSource }> {
  const redis = await connectChildRedis(input);
  return { redis, orders: createShopSources(openShopPool(input.schema)).order };
}
