import type { ProjectModel } from "../model/model.js";
import { commandsOfFeature, compareVersions, minimumRedisVersion } from "../runtime/commands.js";
import { error, ok, warn, type Check } from "./check.js";
import type { ServerInfo } from "./connection.js";
import type { ProjectKeys } from "./entity-layout.js";
import { featuresInUse } from "./features-in-use.js";

/** Server settings read with CONFIG GET; undefined when the user may not run it. */
export interface ServerConfig {
  /** RDB snapshot points, `""` when off. */
  readonly save: string | undefined;
  readonly appendfsync: string | undefined;
}

/** The oldest Redis the declared strategies run on, from the commands they send. */
export function versionCheck(info: ServerInfo, model: ProjectModel): Check {
  const features = featuresInUse(model).map((use) => use.feature);
  const needed = minimumRedisVersion(features);
  const neededBy = features.find((feature) => commandsOfFeature(feature).includes(needed.command));
  const reason = `${needed.version} (${needed.command}${neededBy === undefined ? "" : `, ${neededBy}`})`;
  const version = info.get("redis_version");
  if (version === undefined)
    return warn("version", `INFO reports no redis_version; the schemas need Redis >= ${reason}`);
  if (compareVersions(version, needed.version) < 0) {
    return error("version", `Redis ${version} is older than ${reason}, which the schemas need; upgrade the server`);
  }
  return ok("version", `Redis ${version}; the schemas need >= ${reason}`);
}

/** A write-behind save is acknowledged once it is in Redis: Redis must keep it across a restart. */
export function persistenceCheck(info: ServerInfo, config: ServerConfig, model: ProjectModel): Check {
  const writeBehind = model.entities.filter((entity) => entity.writeBehind !== undefined).map((entity) => entity.name);
  if (writeBehind.length === 0)
    return ok("persistence", "not needed: no entity uses write-behind (the cache can be rebuilt from the sources)");
  const saves = `write-behind saves of ${writeBehind.join(", ")}`;
  const turnOnAof =
    "turn on the AOF: CONFIG SET appendonly yes (appendfsync everysec is the default), then CONFIG REWRITE to keep it across restarts";
  if (info.get("aof_enabled") === "1") {
    switch (config.appendfsync) {
      case "no":
        return warn(
          "persistence",
          `appendonly yes but appendfsync no: the OS flushes when it likes, so a crash of the machine can lose acknowledged ${saves}; CONFIG SET appendfsync everysec`,
        );
      case "always":
        return ok("persistence", `appendonly yes, appendfsync always: acknowledged ${saves} survive a crash`);
      case "everysec":
        return ok(
          "persistence",
          `appendonly yes, appendfsync everysec: a crash loses at most the last second of acknowledged ${saves}`,
        );
      default:
        return ok("persistence", "appendonly yes (appendfsync unknown: CONFIG GET refused)");
    }
  }
  if (config.save === undefined) {
    return warn(
      "persistence",
      `appendonly no, and the RDB save points are unknown (CONFIG GET refused): without AOF, ${saves} acknowledged since the last snapshot are lost if Redis dies; ${turnOnAof}`,
    );
  }
  if (config.save.trim() === "") {
    return warn(
      "persistence",
      `appendonly no and no RDB save points (save ""): queued ${saves} are lost if Redis stops; ${turnOnAof}`,
    );
  }
  return warn(
    "persistence",
    `RDB snapshots only (save ${config.save}): ${saves} acknowledged since the last snapshot are lost if Redis dies; ${turnOnAof}`,
  );
}

export function clusterCheck(info: ServerInfo, keys: ProjectKeys): Check {
  if (info.get("role") === "slave") {
    return warn(
      "cluster",
      "this server is a replica (read-only): fills and invalidations fail there; point the app at the primary",
    );
  }
  if (info.get("cluster_enabled") === "1") {
    return ok("cluster", `cluster mode: give the repositories an ioredis Cluster; ${keys.clusterSpread}`);
  }
  return ok("cluster", "standalone (not a cluster)");
}
