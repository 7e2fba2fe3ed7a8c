import type { EntityModel, Strategy } from "../model/model.js";
import { ok, warn, type Check } from "./check.js";
import type { ServerInfo } from "./connection.js";
import type { ProjectKeys } from "./entity-layout.js";
import { formatBytes, formatPercent } from "./units.js";

/** What a full Redis does under a policy, by family: `allkeys-lru` and `allkeys-lfu` alike. */
type PolicyFamily = "noeviction" | "allkeys" | "volatile";

/** The policy to set: only expiring keys are evicted, and every cache entry expires; a write-behind queue never does. */
const WITH_WRITE_BEHIND = "volatile-lru";
/** Without write-behind every key the runtime writes is a cache entry: evict any of them. */
const CACHE_ONLY = "allkeys-lru";

/** Without a limit nothing is evicted: Redis grows until the machine runs out of memory. */
export function maxmemoryCheck(info: ServerInfo, keys: ProjectKeys): Check {
  const maxmemory = Number(info.get("maxmemory") ?? 0);
  const used = Number(info.get("used_memory") ?? 0);
  if (maxmemory > 0)
    return ok("maxmemory", `${formatBytes(maxmemory)}, ${formatBytes(used)} used (${formatPercent(used / maxmemory)})`);
  const queues = queueKeys(keys);
  const lost =
    queues.length > 0
      ? `, the write-behind queue (${queues.join(", ")}) with saves not yet in the source among them`
      : "";
  const hostMemory = Number(info.get("total_system_memory") ?? 0);
  const limit =
    hostMemory > 0
      ? `CONFIG SET maxmemory ${Math.floor(hostMemory / 2 / 2 ** 20)}mb (half the ${formatBytes(hostMemory)} this host reports; less in a container with a memory limit)`
      : "CONFIG SET maxmemory 1gb (or what the machine can give Redis)";
  return warn(
    "maxmemory",
    `not set (${formatBytes(used)} used): nothing is ever evicted, so Redis grows until the machine runs out of memory, then swaps or is killed by the OS, losing every key${lost}; set a limit below the memory the machine gives Redis, leaving room for the fork that persistence makes: ${limit}, then CONFIG REWRITE to keep it`,
  );
}

/** What the eviction policy does to the entries of each declared strategy once maxmemory is reached. */
export function evictionPolicyCheck(info: ServerInfo, keys: ProjectKeys): Check {
  const policy = info.get("maxmemory_policy") ?? "unknown";
  const family = familyOf(policy);
  const queues = queueKeys(keys);
  const recommended = queues.length > 0 ? WITH_WRITE_BEHIND : CACHE_ONLY;
  const unlimited = Number(info.get("maxmemory") ?? 0) === 0 ? " (it acts once maxmemory is set)" : "";
  if (family === undefined)
    return warn(
      "maxmemory-policy",
      `${policy}${unlimited}: not a policy this check knows; set ${recommended}: CONFIG SET maxmemory-policy ${recommended}`,
    );
  const details = byStrategy(keys.entities.map(({ entity }) => entity)).map(
    ([strategy, entities]) => `${strategy} (${entities.join(", ")}): ${effect(strategy, family, policy, queues)}`,
  );
  const headline = `${policy}${unlimited}, for the declared strategies when Redis is full:`;
  if (family === "allkeys" && queues.length > 0) {
    return warn(
      "maxmemory-policy",
      `${policy}${unlimited} can evict the write-behind queue and values whose write is still queued, losing acknowledged saves; set ${WITH_WRITE_BEHIND} (cache entries expire, the queue and queued values do not, so only cache entries are evicted): CONFIG SET maxmemory-policy ${WITH_WRITE_BEHIND}`,
      details,
    );
  }
  if (family === "noeviction") {
    return warn(
      "maxmemory-policy",
      `noeviction${unlimited}: a full Redis refuses new entries instead of evicting old ones, so the cache stops caching; set ${recommended}: CONFIG SET maxmemory-policy ${recommended}`,
      details,
    );
  }
  return ok("maxmemory-policy", headline, details);
}

function effect(strategy: Strategy, family: PolicyFamily, policy: string, queues: readonly string[]): string {
  if (strategy === "write-behind") {
    switch (family) {
      case "allkeys":
        return `${policy} can evict the queue (${queues.join(", ")}) and values whose write is still queued (neither expires): saves already acknowledged are lost before they reach the source`;
      case "volatile":
        return "only keys with a TTL are evicted, values already written to the source; the queue and values still queued have none, so they stay; if they alone fill the memory, saves reject with CacheUnavailableError (nothing acknowledged is lost)";
      case "noeviction":
        return "saves reject with CacheUnavailableError (not acknowledged, so nothing is lost); values already written to the source are not evicted to make room, so Redis stays full until their TTLs run out";
    }
  }
  const refused =
    strategy === "write-through"
      ? "saves still reach the source, but fills and puts are refused (OOM)"
      : "fills are refused (OOM)";
  switch (family) {
    case "allkeys":
      return `${policy} evicts entries to make room; an evicted entry is a miss, loaded again from the source: fine for a cache`;
    case "volatile":
      return `every entry has a TTL, so ${policy} can evict any of them; an evicted entry is a miss, loaded again from the source: fine`;
    case "noeviction":
      return `${refused}: reads go to the source and nothing new is cached until entries expire`;
  }
}

function familyOf(policy: string): PolicyFamily | undefined {
  if (policy === "noeviction") return "noeviction";
  if (policy.startsWith("allkeys-")) return "allkeys";
  if (policy.startsWith("volatile-")) return "volatile";
  return undefined;
}

/** Declared strategies in the order of the README's table, each with its entities. */
function byStrategy(entities: readonly EntityModel[]): [Strategy, string[]][] {
  const order: readonly Strategy[] = ["cache-aside", "read-through", "write-through", "write-behind"];
  return order
    .map((strategy): [Strategy, string[]] => [
      strategy,
      entities.filter((entity) => entity.strategy === strategy).map((entity) => entity.name),
    ])
    .filter(([, names]) => names.length > 0);
}

/** The write-behind queues, one label per entity (its partitions are many keys). */
function queueKeys(keys: ProjectKeys): string[] {
  return keys.entities.flatMap((entity) => entity.queueLabel ?? []);
}
