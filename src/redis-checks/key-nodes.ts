import type { Redis } from "ioredis";
import { closeConnection, connectToServer, type ServerConnection } from "./connection.js";

/** A server that holds keys of its own: the one connected to, or one primary of a cluster. */
export interface KeyNode {
  readonly redis: Redis;
  /** `127.0.0.1:7001`. */
  readonly address: string;
}

export interface KeyNodes {
  /** Where to look for keys: the server, or every primary of a cluster. */
  readonly nodes: readonly KeyNode[];
  /** Sends a command about `key` to the node that holds it (on a cluster, the one its slot's MOVED names). */
  callOnOwner(key: string, command: string, ...args: (string | number)[]): Promise<unknown>;
  /** Closes the connections opened for the other primaries. */
  close(): Promise<void>;
}

/**
 * A cluster spreads slots over its primaries and SCAN sees only the keys of the node it runs on, so
 * each primary is reached over a connection of its own, with the credentials of `url`.
 */
export async function keyNodes(connection: ServerConnection, url: string): Promise<KeyNodes> {
  const opened: Redis[] = [];
  const nodes: KeyNode[] = [];
  if (connection.info.get("cluster_enabled") !== "1") {
    nodes.push({ redis: connection.redis, address: new URL(url).host });
  } else {
    try {
      for (const primary of primariesOf(String(await connection.redis.call("CLUSTER", "NODES")))) {
        if (primary.myself) {
          // The address as the cluster names it, which MOVED replies use too.
          nodes.push({ redis: connection.redis, address: primary.address });
          continue;
        }
        const nodeUrl = new URL(url);
        nodeUrl.host = primary.address;
        const { redis } = await connectToServer(nodeUrl.toString(), connection.tls);
        opened.push(redis);
        nodes.push({ redis, address: primary.address });
      }
    } catch (error) {
      await Promise.all(opened.map(closeConnection));
      throw error;
    }
  }
  const owners = new Map<string, KeyNode>();
  return {
    nodes,
    async callOnOwner(key, command, ...args) {
      for (let redirects = 0; ; redirects++) {
        const node = owners.get(key) ?? nodes[0]!;
        try {
          return await node.redis.call(command, key, ...args);
        } catch (error) {
          const moved = /^MOVED \d+ (\S+)/.exec(error instanceof Error ? error.message : "");
          const owner = moved && nodes.find((candidate) => candidate.address === moved[1]);
          if (!owner || redirects > 0) throw error;
          owners.set(key, owner);
        }
      }
    },
    close: async () => void (await Promise.all(opened.map(closeConnection))),
  };
}

/** `CLUSTER NODES` lines: `<id> <ip:port@cport> <flags> <master> ... <link-state> <slots...>`. */
function primariesOf(clusterNodes: string): { address: string; myself: boolean }[] {
  return clusterNodes
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([, , flags = ""]) => flags.split(",").includes("master") && !/fail|noaddr|handshake/.test(flags))
    .map(([, address = "", flags = ""]) => ({
      address: address.split("@")[0]!,
      myself: flags.split(",").includes("myself"),
    }));
}
