/** The server `doctor`, `inspect`, `monitor` and `dead-letters` talk to without `--redis` or REDIS_URL. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** A flag as `--help` shows it and `parseFlags` reads it. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** The value's placeholder in the help (`--out DIR`); string flags only. */
  readonly value?: string;
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What `cachegen <command> --help` prints, and the flags the command accepts. */
export interface CommandSpec {
  readonly summary: string;
  /** The command's own flags; every command also takes the project flags. */
  readonly flags: FlagSpecs;
  /** Arguments after the flags, as the usage line shows them: `[Entity]`. */
  readonly arguments?: string;
  /** Paragraphs printed after the flags. */
  readonly details?: readonly string[];
  readonly exit: string;
}

/** `--config`, `--schemas` and `--out`, accepted by every command. */
export const projectFlags = {
  config: {
    type: "string",
    value: "FILE",
    help: 'configuration file (default: cachegen.config.json, or "cachegen" in package.json)',
  },
  schemas: { type: "string", value: "DIR", help: "folder of schema files (default: schemas)" },
  out: { type: "string", value: "DIR", help: "folder of generated files (default: generated)" },
} as const satisfies FlagSpecs;

const redisFlag = {
  type: "string",
  value: "URL",
  help: `the server (default: REDIS_URL, else ${DEFAULT_REDIS_URL})`,
} as const satisfies FlagSpec;

const keyPrefixFlag = {
  type: "string",
  value: "P",
  help: "the keyPrefix the app gives its repositories, when it is not the configured one",
} as const satisfies FlagSpec;

/**
 * The TLS files of the commands that connect, for a rediss:// server whose certificate a CA of one's
 * own signed, or that asks clients for a certificate. Node's NODE_EXTRA_CA_CERTS=FILE works too.
 */
const tlsFlags = {
  "tls-ca": {
    type: "string",
    value: "FILE",
    help: "PEM file of the CA that signed the server's certificate (rediss:// only; or set NODE_EXTRA_CA_CERTS=FILE)",
  },
  "tls-cert": {
    type: "string",
    value: "FILE",
    help: "PEM file of this client's certificate, for a server that asks for one (tls-auth-clients); with --tls-key",
  },
  "tls-key": { type: "string", value: "FILE", help: "PEM file of the private key of --tls-cert" },
} as const satisfies FlagSpecs;

/**
 * Every command's help and flags, in the order the overview lists them. A command is added here
 * (its help) and in `commands.ts` (its implementation).
 */
export const commandTable = {
  init: {
    summary: "write cachegen.config.json and schemas/example.yaml where absent (never overwrites)",
    flags: {},
    exit: "0",
  },
  generate: {
    summary: "validate the schemas and write the generated files that changed",
    flags: {
      watch: { type: "boolean", help: "regenerate whenever a schema file changes, until Ctrl-C" },
      "dry-run": { type: "boolean", help: "write nothing: list what would be written and removed" },
      diff: { type: "boolean", help: "with --dry-run: print a unified diff of what would change" },
    },
    details: [
      "Removes generated files it no longer emits (only files its own manifest lists). The summary names the entities, the files written, unchanged and removed, and the command's wall time.",
    ],
    exit: "0 done, 1 schema errors, 2 usage errors",
  },
  check: {
    summary: "exit 1 if the generated files differ from what generate would write",
    flags: {
      diff: { type: "boolean", help: "print a unified diff from the files on disk to what generate would write" },
    },
    details: ["Lists the files that differ, are missing, or are stale (no longer generated). Run it in CI."],
    exit: "0 up to date, 1 drift or schema errors, 2 usage errors",
  },
  validate: {
    summary: "check the schemas only; write nothing",
    flags: {},
    exit: "0 valid, 1 schema errors, 2 usage errors",
  },
  doctor: {
    summary: `check the Redis server against the schemas (default REDIS_URL, else ${DEFAULT_REDIS_URL})`,
    flags: { redis: redisFlag, "key-prefix": keyPrefixFlag, ...tlsFlags },
    details: [
      "One `check: ok/warn/error: what to do` line each: version, maxmemory, maxmemory-policy (what a full Redis does to each declared strategy), persistence when write-behind is used, latency, auth and TLS, over rediss:// the server's certificate (a warning under 30 days left, an error once expired or not trusted), cluster mode, scripting.",
    ],
    exit: "0 no errors, 1 errors (unreachable, authentication, too old, no scripting), 2 usage errors",
  },
  inspect: {
    summary: "per entity: keys (SCAN, never KEYS), keys left in old namespaces, memory, TTL spread, write-behind queue",
    flags: { redis: redisFlag, "key-prefix": keyPrefixFlag, ...tlsFlags },
    arguments: "[Entity]",
    details: ["Without Entity, every entity of the schemas."],
    exit: "0, 1 when Redis is unreachable or the entity unknown, 2 usage errors",
  },
  acl: {
    summary: `print the least-privilege ACL SETUSER rule for the app's Redis user`,
    flags: {
      user: { type: "string", value: "NAME", help: 'the Redis user the rule is for (default: "cachegen")' },
      redis: {
        type: "string",
        value: "URL",
        help: "the app's Redis URL: its database number decides whether the rule grants SELECT (REDIS_URL is not read)",
      },
      db: { type: "string", value: "N", help: "the database the app's URL selects, instead of --redis" },
      "key-prefix": keyPrefixFlag,
    },
    exit: "0, 1 schema errors, 2 usage errors",
  },
  monitor: {
    summary: "a live view of the server and of each entity's keys, write-behind queue and dead letters",
    flags: {
      redis: redisFlag,
      interval: { type: "string", value: "DURATION", help: "time between refreshes (default: 1s)" },
      once: { type: "boolean", help: "print one snapshot and exit (for scripts)" },
      "key-prefix": keyPrefixFlag,
      ...tlsFlags,
    },
    details: [
      "Per node (every primary of a cluster): hit ratio, ops/s, memory against maxmemory, evicted keys, clients. Per entity: keys (SCAN, at most 10 calls per node per refresh), write-behind queue, in flight, dead letters. On a terminal each frame replaces the last.",
    ],
    exit: "0, 1 when Redis is unreachable, 2 usage errors",
  },
  "dead-letters": {
    summary: "list the write-behind dead letters of each entity, or put them back in the queue (--replay)",
    flags: {
      replay: {
        type: "boolean",
        help: "queue the dead letters again, each as the newest write of its key (fix what the source refused first)",
      },
      redis: redisFlag,
      "key-prefix": keyPrefixFlag,
      ...tlsFlags,
    },
    arguments: "[Entity]",
    details: [
      "Without Entity, every write-behind entity of the schemas. Lists up to 20 dead letters per entity (id, save/delete, key, attempts, the source's error). --replay queues every dead letter again unless a newer version of its key is cached; a running worker then writes it to the source.",
    ],
    exit: "0, 1 when Redis is unreachable or the entity unknown or not write-behind, 2 usage errors",
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commandTable;

/** The flags a command accepts: its own and the project flags. */
export type CommandFlags<Name extends CommandName> = (typeof commandTable)[Name]["flags"] & typeof projectFlags;

export function flagsOf<Name extends CommandName>(name: Name): CommandFlags<Name> {
  return { ...commandTable[name].flags, ...projectFlags };
}
