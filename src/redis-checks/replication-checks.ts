import type { ProjectModel } from "../model/model.js";
import { ok, warn, type Check } from "./check.js";
import type { ServerInfo } from "./connection.js";

/** A primary a Sentinel monitors, as its INFO reports it (`master0:name=...,status=ok,address=h:p,slaves=1,sentinels=3`). */
export interface MonitoredPrimary {
  readonly name: string;
  readonly status: string;
  readonly host: string;
  readonly port: number;
  readonly replicas: number;
  readonly sentinels: number;
}

/** Whether INFO comes from a Redis Sentinel rather than a data node. */
export function isSentinel(info: ServerInfo): boolean {
  return info.get("redis_mode") === "sentinel";
}

/** The primaries a Sentinel's INFO lists. */
export function monitoredPrimaries(info: ServerInfo): MonitoredPrimary[] {
  const primaries: MonitoredPrimary[] = [];
  for (const [field, value] of info) {
    if (!/^master\d+$/.test(field)) continue;
    const parts = new Map(value.split(",").map((part) => part.split("=", 2) as [string, string]));
    const address = parts.get("address") ?? "";
    const colon = address.lastIndexOf(":");
    primaries.push({
      name: parts.get("name") ?? "",
      status: parts.get("status") ?? "",
      host: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
      replicas: Number(parts.get("slaves") ?? 0),
      sentinels: Number(parts.get("sentinels") ?? 0),
    });
  }
  return primaries;
}

/** What doctor says about a Sentinel it was pointed at, and the primary it goes on to check. */
export function sentinelCheck(sentinelAddress: string, primary: MonitoredPrimary, others: number): Check {
  const [host, port] = [
    sentinelAddress.slice(0, sentinelAddress.lastIndexOf(":")),
    sentinelAddress.slice(sentinelAddress.lastIndexOf(":") + 1),
  ];
  const message = `connected via Sentinel ${sentinelAddress}: it names ${primary.host}:${primary.port} the primary of "${primary.name}" (${primary.replicas} replica(s), ${primary.sentinels} sentinel(s), status ${primary.status}); checking that primary below${others > 0 ? ` (${others} other monitored primaries not checked)` : ""}. Give the repositories an ioredis Sentinel client: new Redis({ sentinels: [{ host: "${host}", port: ${port} }, ...], name: "${primary.name}" })`;
  return primary.status === "ok" && primary.sentinels >= 3
    ? ok("sentinel", message)
    : warn(
        "sentinel",
        `${message}; ${primary.status !== "ok" ? `the sentinels report the primary as ${primary.status}` : `only ${primary.sentinels} sentinel(s): run at least 3 so a failover can be agreed on while one is down`}`,
      );
}

/**
 * A primary's replicas (INFO replication): how many, and whether write-behind saves wait for them
 * (`durability`); nothing to say for a replica (the cluster check warns about it).
 */
export function replicationCheck(info: ServerInfo, model: ProjectModel): Check | undefined {
  if (info.get("role") !== "master") return undefined;
  const count = Number(info.get("connected_slaves") ?? 0);
  const writeBehind = model.entities.some((entity) => entity.writeBehind !== undefined);
  if (count === 0)
    return ok(
      "replication",
      `primary with no replicas${writeBehind ? ": a loss of this server loses queued write-behind saves not yet persisted" : ""}`,
    );
  const replicas = [...info].filter(([field]) => /^slave\d+$/.test(field)).map(([, value]) => value);
  const online = replicas.filter((value) => value.includes("state=online")).length;
  const lags = replicas.map((value) => Number(/lag=(\d+)/.exec(value)?.[1] ?? 0));
  const summary = `primary with ${count} replica(s), ${online} online, lag ${Math.max(0, ...lags)} s at most`;
  return ok(
    "replication",
    writeBehind
      ? `${summary}; replication is asynchronous: write-behind saves are acknowledged by the primary alone unless the repositories get durability: { replicas: ${Math.min(count, 1)} } (a WAIT after each save)`
      : summary,
  );
}
