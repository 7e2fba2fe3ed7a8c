/**
 * Every Redis command the runtime sends, by feature: the single source of truth behind
 * `cachegen acl` (the application user's least-privilege rule) and `cachegen doctor` (the oldest
 * Redis that can run the declared strategies).
 *
 * When runtime code starts sending a command, list it here in the same change: a test reads the
 * runtime's source (ioredis calls and `redis.call` in Lua) and fails on any command missing from
 * this file, and on any listed here that nothing sends.
 * Redis checks ACL rules for each `redis.call` inside a script as well, so a script's inner
 * commands are listed under the feature that runs the script, by script name; export every
 * script (`{ name, source, sha }`) from its module, so the test can read its source.
 */

/** The Redis version that first accepts each command with the arguments the runtime passes. */
const introducedIn = {
  "CLUSTER|INFO": "3.0.0",
  "CLUSTER|SLOTS": "3.0.0",
  DECRBY: "1.0.0",
  DEL: "1.0.0",
  EVAL: "2.6.0",
  EVALSHA: "2.6.0",
  GET: "1.0.0",
  INCR: "1.0.0",
  EXISTS: "1.0.0",
  INFO: "1.0.0",
  MGET: "1.0.0",
  PEXPIRE: "2.6.0",
  PTTL: "2.6.0",
  PUBLISH: "2.0.0",
  QUIT: "1.0.0",
  SADD: "1.0.0",
  SCAN: "2.8.0",
  SCARD: "1.0.0",
  /** The NX and PX options. */
  SET: "2.6.12",
  SISMEMBER: "1.0.0",
  SMEMBERS: "1.0.0",
  SREM: "1.0.0",
  SUBSCRIBE: "2.0.0",
  TYPE: "1.0.0",
  UNLINK: "4.0.0",
  WAIT: "3.0.0",
  XACK: "5.0.0",
  XADD: "5.0.0",
  XAUTOCLAIM: "6.2.0",
  XCLAIM: "5.0.0",
  XDEL: "5.0.0",
  /** With MKSTREAM. */
  "XGROUP|CREATE": "5.0.0",
  "XGROUP|DELCONSUMER": "5.0.0",
  XLEN: "5.0.0",
  XPENDING: "5.0.0",
  XRANGE: "5.0.0",
  XREADGROUP: "5.0.0",
} as const satisfies Readonly<Record<string, string>>;

/** A command as Redis names it (upper case, `COMMAND|SUBCOMMAND`); `cachegen acl` prints it as `+name`. */
export type RuntimeCommand = keyof typeof introducedIn;

export type RuntimeFeature =
  | "connection"
  | "cluster-connection"
  | "read"
  | "invalidate"
  | "tags"
  | "write-through"
  | "write-through-writers"
  | "l1"
  | "write-behind"
  | "maintenance";

export interface FeatureCommands {
  /** What the runtime does with these commands: the comment `cachegen acl` prints. */
  readonly why: string;
  /** Sent by the client itself (ioredis methods, `call`, `callBuffer`). */
  readonly direct: readonly RuntimeCommand[];
  /** Called inside the named Lua scripts (which the client runs with EVALSHA, or EVAL on NOSCRIPT). */
  readonly inScripts: Readonly<Record<string, readonly RuntimeCommand[]>>;
}

const SCRIPT_RUNNERS: readonly RuntimeCommand[] = ["EVALSHA", "EVAL"];

export const runtimeCommands: Readonly<Record<RuntimeFeature, FeatureCommands>> = {
  connection: {
    why: "ioredis' ready check (enableReadyCheck, on by default) runs INFO after each (re)connect",
    direct: ["INFO"],
    inScripts: {},
  },
  "cluster-connection": {
    why: "ioredis reads the slot map and checks the cluster state",
    direct: ["CLUSTER|SLOTS", "CLUSTER|INFO"],
    inScripts: {},
  },
  read: {
    why: "get/getMany read values; a miss takes a lease, renews it while its load runs and fills under it (scripts acquire, renew-leases, fill, release), then writes the value's index entries; getBy<Index> reads the pointer, then the value (other slots), and writes the pointer; listBy<List> reads a list or takes its lease, renews it while its load runs and fills it under that lease (scripts list-read, list-renew, list-fill, list-drop-if-same); prime/primeMany write where a fill would (script prime, then the index entries); an invalid value is deleted (script delete-if-same, UNLINK when oversized); a key of another type where a value or list belongs is deleted by the script that meets it (TYPE, DEL)",
    direct: ["GET", "MGET", "SET", "UNLINK", ...SCRIPT_RUNNERS],
    inScripts: {
      acquire: ["GET", "SET", "DEL", "TYPE"],
      fill: ["GET", "PTTL", "SET", "DEL"],
      release: ["GET", "DEL"],
      "renew-leases": ["GET", "PEXPIRE"],
      "delete-if-same": ["GET", "DEL", "TYPE"],
      "list-read": ["GET", "SET", "DEL", "TYPE"],
      "list-fill": ["GET", "SET", "DEL", "TYPE"],
      "list-drop-if-same": ["GET", "DEL", "TYPE"],
      "list-renew": ["GET", "PEXPIRE", "DEL", "TYPE"],
      prime: ["GET", "PTTL", "SET", "DEL", "TYPE"],
    },
  },
  invalidate: {
    why: "invalidate(), and save()/delete() after the source write, drop value and lease together (script invalidate; with { soft: true } it restamps the value stale with SET KEEPTTL instead), then the index entries, also those of the entities `invalidates` names; when the retry queue of failed invalidations overflows, the entity's namespace is revoked: every bucket's tag epoch bumped (script bump-epochs), then step by step on each master (script invalidate-namespace: SCAN inside the script)",
    direct: ["DEL", ...SCRIPT_RUNNERS],
    inScripts: {
      invalidate: ["PTTL", "GET", "DEL", "SET", "TYPE"],
      "bump-epochs": ["INCR", "SET", "PEXPIRE"],
      "invalidate-namespace": ["SCAN", "PTTL", "DEL"],
    },
  },
  tags: {
    why: "writes add the value to its tag sets and extend their expiry before writing it (script join-tag-sets); invalidateTag() bumps the tag epoch of every bucket (script bump-epochs), reads the sets' members, revokes them (script invalidate) and removes them from the sets",
    direct: ["SMEMBERS", "SREM", ...SCRIPT_RUNNERS],
    inScripts: {
      "join-tag-sets": ["SADD", "PTTL", "PEXPIRE"],
      "bump-epochs": ["INCR", "SET", "PEXPIRE"],
      invalidate: ["PTTL", "GET", "DEL"],
    },
  },
  "write-through": {
    why: "after the source write one script revokes the lease and writes the value, keeping a newer version; then its index entries are written",
    direct: ["SET", ...SCRIPT_RUNNERS],
    inScripts: { put: ["DEL", "GET", "SET"] },
  },
  "write-through-writers": {
    why: "writers register in a per-key set (with the tag epoch) before the source write; a put that overlapped another writer, a delete or an invalidation (which mark the set) drops the value instead",
    direct: ["SREM", ...SCRIPT_RUNNERS],
    inScripts: {
      "mark-writer": ["SADD", "PEXPIRE", "GET"],
      put: ["SREM", "SCARD", "SISMEMBER", "SADD", "GET", "TYPE"],
      invalidate: ["SCARD", "SADD"],
      "invalidate-namespace": ["SCARD", "SADD"],
    },
  },
  l1: {
    why: "a second connection subscribes to the entity's channel; every invalidation publishes the dropped keys on it; close() quits that connection",
    direct: ["SUBSCRIBE", "PUBLISH", "QUIT"],
    inScripts: {},
  },
  "write-behind": {
    why: "save()/delete() write the value (without expiry while queued) and a stream entry in one script, in the key's partition (one stream per partition), then its index entries; workers read each partition, and the layout-1 stream while it exists, with a consumer group on a connection of their own (XREADGROUP; XAUTOCLAIM takes dead workers' entries, XCLAIM retries), one worker at a time owns a key (XCLAIM hands an owned key's entries to its owner, found with XPENDING and XRANGE), acknowledge after the source write, move failing entries to the dead-letter stream (replayDeadLetters() queues them again), and leave the group on stop(); saves create the stream with its group; flush()/pending() count the queue; with the `durability` option a WAIT follows each save (on a Cluster in a pipeline with a PTTL of the saved key, which routes it to the key's node)",
    direct: [
      "XGROUP|CREATE",
      "XREADGROUP",
      "XAUTOCLAIM",
      "XCLAIM",
      "XPENDING",
      "XRANGE",
      "XLEN",
      "EXISTS",
      "SET",
      "PEXPIRE",
      "DEL",
      "QUIT",
      "WAIT",
      "PTTL",
      ...SCRIPT_RUNNERS,
    ],
    inScripts: {
      "write-behind-enqueue": ["DEL", "GET", "SET", "INCR", "EXISTS", "XGROUP|CREATE", "XADD", "TYPE"],
      "join-tag-sets": ["SADD", "PTTL", "PEXPIRE"],
      "write-lookup": ["SADD", "PTTL", "PEXPIRE", "SET"],
      "write-behind-ack": ["XACK", "XDEL", "DECRBY", "DEL", "PTTL", "GET", "SET", "TYPE"],
      "write-behind-fail": [
        "XACK",
        "XDEL",
        "DECRBY",
        "DEL",
        "SET",
        "XPENDING",
        "XRANGE",
        "XADD",
        "PTTL",
        "GET",
        "TYPE",
      ],
      "write-behind-pending-value": ["PTTL", "GET", "DEL", "TYPE"],
      "write-behind-leave": ["XPENDING", "XGROUP|DELCONSUMER"],
      "write-behind-own": ["XCLAIM", "GET", "SET"],
      "write-behind-renew-owners": ["GET", "PEXPIRE"],
      "write-behind-replay": ["XRANGE", "GET", "SET", "DEL", "INCR", "EXISTS", "XGROUP|CREATE", "XADD", "XDEL", "TYPE"],
    },
  },
  maintenance: {
    why: "deleteByPrefix(), an operator's tool rather than the application's, scans for the prefix and unlinks what it finds",
    direct: ["SCAN", "UNLINK"],
    inScripts: {},
  },
};

/** Every command a feature needs: the ones it sends and the ones its scripts call. */
export function commandsOfFeature(feature: RuntimeFeature): RuntimeCommand[] {
  const { direct, inScripts } = runtimeCommands[feature];
  return [...new Set([...direct, ...Object.values(inScripts).flat()])].sort();
}

/** The union of `commandsOfFeature`, sorted. */
export function commandsOfFeatures(features: Iterable<RuntimeFeature>): RuntimeCommand[] {
  return [...new Set([...features].flatMap(commandsOfFeature))].sort();
}

/** The oldest Redis that accepts every command the features send, and the command that decides it. */
export function minimumRedisVersion(features: Iterable<RuntimeFeature>): { version: string; command: RuntimeCommand } {
  let oldest: { version: string; command: RuntimeCommand } = { version: "1.0.0", command: "GET" };
  for (const command of commandsOfFeatures(features)) {
    const version = introducedIn[command];
    if (compareVersions(version, oldest.version) > 0) oldest = { version, command };
  }
  return oldest;
}

/** Compares dotted versions numerically: `compareVersions("6.2.0", "6.10.1") < 0`. */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
