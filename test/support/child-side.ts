/** The child's side of `TsChild`: its input, and messages to and from the test. */
import { Cluster, Redis } from "ioredis";

/** Where a child process finds Redis: the port of a single Redis, or the startup nodes of a cluster. */
export interface ChildRedisInput {
  readonly redisPort: number;
  /** When set, the child connects with an ioredis Cluster to these loopback ports instead of `redisPort`. */
  readonly clusterPorts?: readonly number[];
}

/** The child's connection, ready for commands. */
export async function connectChildRedis(input: ChildRedisInput): Promise<Redis | Cluster> {
  const redis = input.clusterPorts
    ? new Cluster(
        input.clusterPorts.map((port) => ({ host: "127.0.0.1", port })),
        { lazyConnect: true },
      )
    : new Redis({ host: "127.0.0.1", port: input.redisPort, lazyConnect: true });
  await redis.connect();
  return redis;
}

export function childInput<T>(): T {
  const json = process.argv[2];
  if (json === undefined) throw new Error("expected the input as JSON in argv[2]");
  return JSON.parse(json) as T;
}

export function tell(message: { type: string }): void {
  process.send?.(message);
}

/** Resolves on the first message of `type` from the test. */
export function whenTold(type: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if ((message as { type?: unknown }).type !== type) return;
      process.off("message", listener);
      resolve();
    };
    process.on("message", listener);
  });
}

/** The test dropping the IPC channel ends the child. */
export function exitWithParent(): void {
  process.once("disconnect", () => process.exit(0));
}
