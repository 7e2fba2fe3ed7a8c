import { Codec } from "./codec.js";
import { Coalescer } from "./coalescer.js";
import type { CommandClient } from "./command-client.js";
import type { EntityDefinition } from "./definition.js";
import { checkDurability } from "./durability.js";
import { EntityCheck } from "./entity-check.js";
import { compileClone } from "./entity-clone.js";
import { entityRedis, type EntityRedis } from "./entity-redis.js";
import { Events } from "./events.js";
import { IndexReads } from "./index-reads.js";
import { observerFor, type Observer } from "./instrumentation.js";
import { Invalidator } from "./invalidator.js";
import { DEFAULT_MAX_KEY_LENGTH, KeySpace } from "./key-space.js";
import { L1Cache } from "./l1.js";
import { ListReads } from "./list-reads.js";
import { Leases } from "./leases.js";
import { Primer } from "./prime.js";
import { ReadPath } from "./read-path.js";
import { RedisGuard } from "./redis-guard.js";
import { SourceAdapter } from "./source-adapter.js";
import { TtlPolicy } from "./ttl-policy.js";
import type { CacheAsideRepositoryOptions, EntitySource, RepositoryOptions } from "./types.js";
import { writeStrategyFor, type WriteStrategy } from "./write-strategy.js";

const DEFAULT_TIMEOUT_MS = 100;
const DEFAULT_WRITE_TIMEOUT_MS = 1_000;
const DEFAULT_LEASE_TTL_MS = 5_000;
const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;

/** What most parts of a repository work with: the entity, its keys and codec, Redis, the source. */
export interface EntityParts<TEntity, TKey> {
  readonly definition: EntityDefinition<TEntity, TKey>;
  readonly keys: KeySpace<TEntity, TKey>;
  readonly codec: Codec<TEntity>;
  readonly redis: EntityRedis<TEntity, TKey>;
  readonly source: SourceAdapter<TEntity, TKey>;
  readonly ttl: TtlPolicy;
  readonly events: Events;
}

/** The parts a repository is made of; the Repository class is a facade over them. */
export interface RepositoryParts<TEntity, TKey> {
  readonly keys: KeySpace<TEntity, TKey>;
  readonly check: EntityCheck<TEntity, TKey>;
  readonly events: Events;
  readonly l1: L1Cache<TEntity> | undefined;
  readonly reads: ReadPath<TEntity, TKey>;
  readonly indexReads: IndexReads<TEntity, TKey>;
  readonly listReads: ListReads<TEntity, TKey>;
  readonly primer: Primer<TEntity, TKey>;
  readonly invalidator: Invalidator<TEntity, TKey>;
  readonly writes: WriteStrategy<TEntity, TKey>;
  /** The `instrumentation` option bound to this entity; undefined (and never called) without one. */
  readonly observer: Observer | undefined;
  /** The bound on each Redis call (`timeoutMs`), also on closing the L1 subscriber. */
  readonly timeoutMs: number;
}

/**
 * Checks the options and builds the parts of one repository. Every part gets what it uses, no
 * more; the write strategy is chosen from the definition.
 */
export function assembleRepository<TEntity, TKey>(
  definition: EntityDefinition<TEntity, TKey>,
  options: RepositoryOptions<EntitySource<TEntity, TKey>> | CacheAsideRepositoryOptions<EntitySource<TEntity, TKey>>,
): RepositoryParts<TEntity, TKey> {
  const { timeoutMs, writeTimeoutMs, leaseTtlMs, maxKeyLength } = checkOptions(definition, options);
  const client = options.redis as unknown as CommandClient;
  const keys = new KeySpace(definition, options.keyPrefix ?? definition.keyPrefix, maxKeyLength);
  const codec = new Codec(definition as EntityDefinition<TEntity, unknown>, {
    encryptionKeys: options.encryptionKeys,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
  });
  const observer = observerFor(options.instrumentation, definition.name);
  const events = new Events(definition.name, options.onEvent, observer);
  const check = new EntityCheck(definition, keys, events);
  const source = new SourceAdapter(definition, options.source, events, check);
  const ttl = new TtlPolicy(definition as EntityDefinition<unknown, unknown>);
  const guard = new RedisGuard(
    client,
    timeoutMs,
    { failureThreshold: options.breaker?.failureThreshold ?? 5, cooldownMs: options.breaker?.cooldownMs ?? 1_000 },
    {
      onError: (error, op) => events.record("redis-error", undefined, { error, detail: op }),
      onTransition: (transition) => events.record(transition, undefined),
    },
  );
  const redis = entityRedis(guard, keys, { leaseTtlMs, writeTimeoutMs });
  const l1 = definition.l1
    ? new L1Cache<TEntity>(
        client,
        keys.channel,
        definition.l1.maxEntries,
        definition.l1.ttlMs,
        (error) => events.record("redis-error", undefined, { error, detail: "l1-subscriber" }),
        () => compileClone<TEntity>(definition.fieldModels),
      )
    : undefined;
  const valueReads = new Coalescer<TEntity | null>();
  const indexReadsInFlight = new Coalescer<TEntity | null>();
  const listReadsInFlight = new Coalescer<TEntity[]>();
  const invalidator = new Invalidator({
    definition,
    keys,
    codec,
    redis,
    events,
    ttl,
    l1,
    valueReads,
    indexReads: indexReadsInFlight,
    listReads: listReadsInFlight,
    redisAvailable: () => guard.available(),
  });
  const entity: EntityParts<TEntity, TKey> = { definition, keys, codec, redis, source, ttl, events };
  const leases = new Leases({ ...entity, invalidator, l1, leaseTtlMs });
  const durability = checkDurability(definition.name, definition.strategy, options.durability);
  const writes = writeStrategyFor({ ...entity, invalidator, client, rawSource: options.source, durability });
  const reads = new ReadPath({ ...entity, leases, invalidator, l1, inFlight: valueReads });
  const indexReads = new IndexReads({
    ...entity,
    leases,
    invalidator,
    inFlight: indexReadsInFlight,
    queuedValue: writes.queuedValue,
  });
  const listReads = new ListReads({
    ...entity,
    reads,
    invalidator,
    inFlight: listReadsInFlight,
    queuedValue: writes.queuedValue,
    leaseTtlMs,
  });
  const primer = new Primer({ ...entity, check, invalidator });
  return { keys, check, events, l1, reads, indexReads, listReads, primer, invalidator, writes, observer, timeoutMs };
}

function checkOptions<TEntity, TKey>(
  definition: EntityDefinition<TEntity, TKey>,
  options: RepositoryOptions<unknown> | CacheAsideRepositoryOptions<unknown>,
): { timeoutMs: number; writeTimeoutMs: number; leaseTtlMs: number; maxKeyLength: number } {
  if (!options || typeof options !== "object" || !options.redis) {
    throw new TypeError(`cachegen: ${definition?.name ?? "repository"} needs options.redis (an ioredis client)`);
  }
  if (!(definition.ttlMs > 0)) throw new TypeError(`cachegen: ${definition.name} ttlMs must be > 0`);
  if (!(definition.jitter >= 0 && definition.jitter < 1))
    throw new TypeError(`cachegen: ${definition.name} jitter must be in [0, 1)`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new TypeError(`cachegen: ${definition.name} timeoutMs must be > 0`);
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  if (!(writeTimeoutMs > 0)) throw new TypeError(`cachegen: ${definition.name} writeTimeoutMs must be > 0`);
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!(leaseTtlMs > 0)) throw new TypeError(`cachegen: ${definition.name} leaseTtlMs must be > 0`);
  const maxKeyLength = options.maxKeyLength ?? DEFAULT_MAX_KEY_LENGTH;
  if (!(Number.isSafeInteger(maxKeyLength) && maxKeyLength > 0))
    throw new TypeError(`cachegen: ${definition.name} maxKeyLength must be a positive integer`);
  const clientPrefix = (options.redis as unknown as { options?: { keyPrefix?: unknown } }).options?.keyPrefix;
  if (typeof clientPrefix === "string" && clientPrefix !== "") {
    throw new TypeError(
      `cachegen: ${definition.name}: the ioredis client has its own keyPrefix (${JSON.stringify(clientPrefix)}); use the repository's keyPrefix option instead (Lua scripts and SCAN need the full key names)`,
    );
  }
  return { timeoutMs, writeTimeoutMs, leaseTtlMs, maxKeyLength };
}
