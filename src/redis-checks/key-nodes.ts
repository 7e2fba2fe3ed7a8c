import type { Redis } from "ioredis";
import { closeConnection, connectToServer, type ServerConnection } from "./connection.js";

/** A server that holds keys of its own: the one connected to, or one primary of a cluster. */
export interface KeyNode {
  readonly redis: Redis;
  /** `127.0.0.1:7001`. */
  readonly address: string;
}

/**
 * Where to look for keys. A cluster spreads slots over its primaries and SCAN sees only the keys of
 * the node it runs on, so each primary is scanned (and sampled) over a connection of its own, with
 * the credentials of `url`. `close()` closes those extra connections.
 */
export async function keyNodes(connection: ServerConnection, url: string): Promise<{ nodes: KeyNode[]; close(): Promise<void> }> {
  const self: KeyNode = { redis: connection.redis, address: new URL(url).host };
  if (connection.info.get("cluster_enabled") !== "1") return { nodes: [self], close: async () => undefined };
  const opened: Redis[] = [];
  const nodes: KeyNode[] = [];
  try {
    for (const primary of primariesOf(String(await connection.redis.call("CLUSTER", "NODES")))) {
      if (primary.myself) {
        nodes.push(self);
        continue;
      }
      const nodeUrl = new URL(url);
      nodeUrl.host = primary.address;
      const { redis } = await connectToServer(nodeUrl.toString());
      opened.push(redis);
      nodes.push({ redis, address: primary.address });
    }
  } catch (error) {
    await Promise.all(opened.map(closeConnection));
    throw error;
  }
  return { nodes, close: async () => void (await Promise.all(opened.map(closeConnection))) };
}

/** `CLUSTER NODES` lines: `<id> <ip:port@cport> <flags> <master> ... <link-state> <slots...>`. */
function primariesOf(clusterNodes: string): { address: string; myself: boolean }[] {
  return clusterNodes
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([, , flags = ""]) => flags.split(",").includes("master") && !/fail|noaddr|handshake/.test(flags))
    .map(([, address = "", flags = ""]) => ({ address: address.split("@")[0]!, myself: flags.split(",").includes("myself") }));
}
