import { CacheUnavailableError, InvalidEntityError, describeValue } from "./errors.js";
import type { EntityCheck } from "./entity-check.js";
import type { Invalidator } from "./invalidator.js";
import type { ResolvedKey } from "./key-space.js";
import type { EntityParts } from "./repository-parts.js";
import type { StoredValue } from "./stored-value.js";

/** Entries per prime script: keeps each script short, however long the page. */
const PRIME_BATCH = 100;

export interface PrimeParts<TEntity, TKey> extends EntityParts<TEntity, TKey> {
  readonly check: EntityCheck<TEntity, TKey>;
  readonly invalidator: Invalidator<TEntity, TKey>;
}

/** What `primeMany` did: entities written, and entities left as the cache had them. */
export interface PrimeResult {
  readonly primed: number;
  readonly skipped: number;
}

/**
 * Warm-up: puts entities the application already holds into the cache, without the source, where a
 * fill would put them (see the prime script): never over a newer version, a queued write-behind
 * write, a value it cannot tell is older, or a key whose lease someone holds. Each entity is checked
 * as `save` checks it (InvalidEntityError, before Redis is touched). A primed value that replaced an
 * older version drops what that version's index entries and lists no longer match.
 */
export class Primer<TEntity, TKey> {
  constructor(private readonly parts: PrimeParts<TEntity, TKey>) {}

  async primeMany(entities: readonly TEntity[]): Promise<PrimeResult> {
    const { definition, keys, check, codec, ttl, events } = this.parts;
    if (!Array.isArray(entities))
      throw new InvalidEntityError(
        definition.name,
        undefined,
        "(entities)",
        "an array of entities",
        describeValue(entities),
        "primeMany",
      );
    const entries: { k: ResolvedKey<TKey>; entity: TEntity; stored: StoredValue; pttl: number; version: string }[] = [];
    const now = Date.now();
    const last = new Map<string, number>();
    for (const entity of entities) {
      check.saved(entity, "prime");
      const k = keys.fromEntity(entity);
      const { fresh, pttl } = ttl.value();
      const encoded = codec.encode(entity, k.enc, now + fresh);
      if (!encoded.ok) {
        events.record("invalid-value", k.valueKey, { detail: `not primed: ${encoded.reason}` });
        continue;
      }
      const entry = { k, entity, stored: encoded.stored, pttl, version: codec.versionOf(entity) };
      // One entry per key (the last given wins), so one script never writes a key twice.
      const at = last.get(k.valueKey);
      if (at === undefined) last.set(k.valueKey, entries.push(entry) - 1);
      else entries[at] = entry;
    }
    let primed = 0;
    for (let from = 0; from < entries.length; from += PRIME_BATCH) {
      primed += await this.primeBatch(entries.slice(from, from + PRIME_BATCH));
    }
    return { primed, skipped: entities.length - primed };
  }

  private async primeBatch(
    entries: readonly { k: ResolvedKey<TKey>; entity: TEntity; stored: StoredValue; pttl: number; version: string }[],
  ): Promise<number> {
    const { redis, invalidator, definition } = this.parts;
    for (const { k } of entries) invalidator.forgetReads(k.valueKey);
    const r = await redis.prime(entries);
    if (!r.ok) {
      throw new CacheUnavailableError(
        `${definition.name}: ${entries.length} value(s) not primed: Redis did not take the prime script (${r.skipped ? "skipped: the circuit is open" : String((r.error as Error)?.message ?? r.error)})`,
      );
    }
    let primed = 0;
    const work: Promise<void>[] = [];
    const fresh: string[] = [];
    r.value.forEach((outcome, i) => {
      if (!outcome.primed) return;
      primed += 1;
      const { k, entity } = entries[i]!;
      if (outcome.old) work.push(invalidator.afterReplace(k, outcome.old, entity));
      else fresh.push(k.valueKey);
    });
    // other processes' L1 may remember the not-found or the value this replaced
    if (definition.l1 && fresh.length) work.push(invalidator.publish(fresh));
    await Promise.all(work);
    return primed;
  }
}
