import { BatchEntry, type Coalescer, type Slot } from "./coalescer.js";
import { describeValue, InvalidKeyError } from "./errors.js";
import type { Invalidator } from "./invalidator.js";
import type { ResolvedKey } from "./key-space.js";
import type { L1Cache } from "./l1.js";
import type { Leases } from "./leases.js";
import type { EntityParts } from "./repository-parts.js";
import type { Loader } from "./source-adapter.js";
import type { KeyInput } from "./types.js";

/** `lookup` found nothing usable. */
const MISS: unique symbol = Symbol("cachegen.miss");

export interface ReadPathParts<TEntity, TKey> extends EntityParts<TEntity, TKey> {
  readonly leases: Leases<TEntity, TKey>;
  readonly invalidator: Invalidator<TEntity, TKey>;
  readonly l1: L1Cache<TEntity> | undefined;
  /** Reads in flight in this process, by value key: concurrent readers of a key share one. */
  readonly inFlight: Coalescer<TEntity | null>;
}

/**
 * `get` and `getMany`: L1, then a read in flight for the same key, then Redis (this tick's reads of
 * the repository in one GET or MGET), then on a miss the lease protocol. A hit is fresh; a stale
 * value is served while one refresh runs (stale-while-revalidate); anything invalid is discarded and
 * missed. A key whose revocation waits for a retry is read from the source, bypassing Redis.
 *
 * The hit path is kept lean: one promise per get (the batcher answers through a callback), and the
 * clock read once per GET/MGET reply.
 */
export class ReadPath<TEntity, TKey> {
  constructor(private readonly parts: ReadPathParts<TEntity, TKey>) {}

  /** Not `async`: a hit hands out the read's own promise (no wrapper, no extra ticks); an invalid key still comes back as a rejection. */
  get(key: KeyInput<TKey>, loader: Loader<TEntity, TKey> | undefined): Promise<TEntity | null> {
    try {
      const l1 = this.parts.l1;
      // A key resolved lately is looked up in L1 through what it found last time: a hit resolves nothing.
      const known = l1 && this.parts.keys.known(key);
      if (known !== undefined) {
        const cached = l1!.getKnown(known.valueKey, known);
        if (cached !== undefined) return this.l1Hit(known.valueKey, cached);
      }
      const k = this.parts.keys.resolve(key);
      if (l1 && known === undefined) {
        const cached = l1.get(k.valueKey);
        if (cached !== undefined) return this.l1Hit(k.valueKey, cached);
      }
      const slot = this.parts.inFlight.slot(k.valueKey);
      const inFlight = this.parts.inFlight.join(slot);
      if (inFlight) {
        this.parts.events.record("coalesced", k.valueKey);
        return inFlight;
      }
      return this.read(k, slot, loader);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Not `async`: when every key is read in this call's own batch (no repeat, no L1 hit, no read of
   * it in flight), the batch's own array of values is the answer, with no copy and no extra hop.
   */
  getMany(keys: readonly KeyInput<TKey>[]): Promise<(TEntity | null)[]> {
    if (!Array.isArray(keys))
      return Promise.reject(
        new InvalidKeyError(
          `${this.parts.definition.name} getMany: expected an array of keys, got ${describeValue(keys)}`,
        ),
      );
    const { l1, inFlight, events } = this.parts;
    const n = keys.length;
    // Every distinct key is answered by exactly one of: L1, a read already in flight, this batch
    // (claimed in its coalescer slot as it is met, which is also how a repeat of it is recognized);
    // a repeated key copies its first position's answer.
    const batch = new BatchEntry<TEntity | null>(null);
    const toRead: ResolvedKey<TKey>[] = [];
    /** Positions of the keys read, when they are not simply 0..n-1. */
    let toReadAt: number[] | undefined;
    /** Keys answered by L1 or a read in flight, by first position (made on the first such key). */
    let answered: Map<string, number> | undefined;
    /** [position, first position of the same key]; a first position of -1 - j: the j-th key read. */
    let repeats: [number, number][] | undefined;
    let results: (TEntity | null)[] | undefined;
    let waits: Promise<unknown>[] | undefined;
    try {
      for (let i = 0; i < n; i++) {
        const k = this.parts.keys.resolve(keys[i]!);
        const valueKey = k.valueKey;
        const slot = inFlight.slot(valueKey);
        const entry = slot.entry;
        const earlier = entry === batch ? -1 - batch.keys.indexOf(valueKey) : answered && answered.get(valueKey);
        if (earlier !== undefined) {
          toReadAt ??= toRead.map((_, j) => j);
          (repeats ??= []).push([i, earlier]);
          continue;
        }
        const cached = l1?.get(valueKey);
        if (cached !== undefined || entry !== undefined) {
          toReadAt ??= toRead.map((_, j) => j);
          results ??= new Array<TEntity | null>(n).fill(null);
          (answered ??= new Map()).set(valueKey, i);
          if (cached !== undefined) {
            this.recordHit(valueKey, cached === null);
            results[i] = cached;
          } else {
            events.record("coalesced", valueKey);
            const out = results;
            (waits ??= []).push(inFlight.join(slot)!.then((value) => void (out[i] = value)));
          }
          continue;
        }
        // Claimed at once, so concurrent gets of these keys (and repeats in this call) join it.
        inFlight.claim(slot, batch);
        toRead.push(k);
        toReadAt?.push(i);
      }
    } catch (error) {
      inFlight.releaseBatch(batch);
      return Promise.reject(error);
    }
    const read = toRead.length ? this.readMany(toRead, batch.keys) : undefined;
    if (read) inFlight.startBatch(batch, read);
    if (read && !results && !repeats) return read; // every key read here, in order
    return this.assemble(n, results, read, toReadAt, waits, repeats);
  }

  /** getMany's answer from its parts: L1 hits and joined reads in `results`, the batch's values at `toReadAt`, repeats copied. */
  private async assemble(
    n: number,
    answered: (TEntity | null)[] | undefined,
    read: Promise<(TEntity | null)[]> | undefined,
    toReadAt: readonly number[] | undefined,
    waits: readonly Promise<unknown>[] | undefined,
    repeats: readonly [number, number][] | undefined,
  ): Promise<(TEntity | null)[]> {
    const results = answered ?? new Array<TEntity | null>(n).fill(null);
    const values = read ? await read : [];
    for (let j = 0; j < values.length; j++) results[toReadAt ? toReadAt[j]! : j] = values[j] ?? null;
    if (waits) await Promise.all(waits);
    if (repeats) {
      for (const [i, earlier] of repeats) {
        results[i] = earlier >= 0 ? results[earlier]! : (values[-1 - earlier] ?? null);
      }
    }
    return results;
  }

  /** `refresh()`: reloads under a lease taken from whoever holds it, and overwrites the cache. */
  async refresh(k: ResolvedKey<TKey>): Promise<TEntity | null> {
    this.parts.source.require("load");
    this.parts.invalidator.forgetReads(k.valueKey);
    return this.parts.leases.forceRefresh(k);
  }

  private l1Hit(valueKey: string, cached: TEntity | null): Promise<TEntity | null> {
    this.recordHit(valueKey, cached === null);
    return Promise.resolve(cached);
  }

  private recordHit(valueKey: string, notFound: boolean): void {
    this.parts.events.record(notFound ? "negative-hit" : "hit", valueKey);
  }

  /**
   * Reads one key in this tick's batch and registers the read in its key's coalescer slot. The hit
   * path makes exactly one promise (the caller's): the batcher answers through a callback, and the
   * read empties its slot as it settles rather than through a continuation of its own.
   */
  private read(
    k: ResolvedKey<TKey>,
    slot: Slot<TEntity | null>,
    loader: Loader<TEntity, TKey> | undefined,
  ): Promise<TEntity | null> {
    const { invalidator, inFlight, l1 } = this.parts;
    const valueKey = k.valueKey;
    if (invalidator.isPending(valueKey)) {
      invalidator.retryPending();
      this.parts.events.record("miss", valueKey);
      const loaded = this.parts.source.loadOne(k, loader);
      inFlight.register(slot, loaded);
      return loaded;
    }
    const mark = l1?.mark();
    const promise: Promise<TEntity | null> = new Promise<TEntity | null>((resolve, reject) => {
      this.parts.redis.read(valueKey, (raw, failure) => {
        try {
          if (raw) {
            const found = this.lookup(k, raw, loader, mark, Date.now());
            if (found !== MISS) {
              inFlight.release(slot, promise);
              resolve(found);
              return;
            }
          }
          const missed = this.afterMiss(k, failure === undefined, loader);
          missed.then(
            () => inFlight.release(slot, promise),
            () => inFlight.release(slot, promise),
          );
          resolve(missed);
        } catch (error) {
          inFlight.release(slot, promise);
          reject(error);
        }
      });
    });
    inFlight.hold(slot, promise);
    return promise;
  }

  /**
   * Reads keys with MGETs of their own; misses go through the leases together (one source call
   * where the source batches); keys whose revocation is pending bypass Redis. Values in the order
   * of `ks`.
   */
  private async readMany(ks: readonly ResolvedKey<TKey>[], valueKeys: string[]): Promise<(TEntity | null)[]> {
    const { invalidator, events } = this.parts;
    const mark = this.parts.l1?.mark();
    const values = new Array<TEntity | null>(ks.length).fill(null);
    /** Positions in `ks` of the keys read from Redis; undefined: all of them, in order. */
    let read: number[] | undefined;
    const misses: number[] = [];
    const bypass: number[] = [];
    if (invalidator.anyPending()) {
      read = [];
      for (let j = 0; j < ks.length; j++) {
        if (!invalidator.isPending(ks[j]!.valueKey)) {
          read.push(j);
          continue;
        }
        bypass.push(j); // a revocation of this key is still pending: Redis may hold the old value
        events.record("miss", ks[j]!.valueKey);
      }
    }
    const readKeys = read ? read.map((j) => valueKeys[j]!) : valueKeys;
    await this.parts.redis.readMany(readKeys, (from, count, r) => {
      const now = Date.now();
      for (let i = 0; i < count; i++) {
        const j = read ? read[from + i]! : from + i;
        const k = ks[j]!;
        const raw = r.ok ? r.value[i] : null;
        const found = raw ? this.lookup(k, raw, undefined, mark, now) : MISS;
        if (found !== MISS) {
          values[j] = found;
          continue;
        }
        events.record("miss", k.valueKey);
        (r.ok ? misses : bypass).push(j);
      }
    });
    if (!misses.length && !bypass.length) return values;
    const [leased, loaded] = await Promise.all([
      misses.length
        ? this.parts.leases.resolveMisses(
            misses.map((j) => ks[j]!),
            undefined,
          )
        : [],
      bypass.length
        ? this.parts.source.load(
            bypass.map((j) => ks[j]!),
            undefined,
          )
        : [],
    ]);
    misses.forEach((j, i) => (values[j] = leased[i] ?? null));
    bypass.forEach((j, i) => (values[j] = loaded[i] ?? null));
    return values;
  }

  /** A read found nothing usable (or Redis was not read): through the leases, or straight from the source. */
  private afterMiss(
    k: ResolvedKey<TKey>,
    redisRead: boolean,
    loader: Loader<TEntity, TKey> | undefined,
  ): Promise<TEntity | null> {
    this.parts.events.record("miss", k.valueKey);
    if (!redisRead) return this.parts.source.loadOne(k, loader);
    return this.parts.leases.resolveMisses([k], loader).then(([value]) => value ?? null);
  }

  /**
   * Interprets a value read by GET/MGET at `now` (one clock read per reply): a fresh one is a hit
   * (kept in L1 when `mark` says nothing was invalidated since the read began), a stale one is
   * served while it is revalidated, an invalid one is discarded. The value (null: a remembered
   * not-found), or MISS.
   */
  private lookup(
    k: ResolvedKey<TKey>,
    raw: Buffer,
    loader: Loader<TEntity, TKey> | undefined,
    mark: number | undefined,
    now: number,
  ): TEntity | null | typeof MISS {
    const decoded = this.parts.codec.decode(raw, k.enc, k.key);
    if (decoded.kind === "invalid") {
      this.parts.invalidator.discardInvalid(k.valueKey, raw, decoded.reason);
      return MISS;
    }
    if (now < decoded.freshUntil) {
      const value = decoded.kind === "value" ? decoded.entity : null;
      this.recordHit(k.valueKey, value === null);
      if (mark !== undefined) this.parts.l1?.set(k.valueKey, value, decoded.freshUntil, mark, raw.length);
      return value;
    }
    if (decoded.kind === "value" && this.parts.definition.staleWhileRevalidateMs) {
      this.parts.events.record("stale-hit", k.valueKey);
      this.parts.leases.revalidate(k, loader);
      return decoded.entity;
    }
    return MISS;
  }
}
