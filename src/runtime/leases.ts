import { randomBytes } from "node:crypto";
import type { FillEntry } from "./lease-commands.js";
import type { Invalidator } from "./invalidator.js";
import type { ResolvedKey } from "./key-space.js";
import type { L1Cache } from "./l1.js";
import { whileRenewing } from "./lease-renewal.js";
import type { LeaseMode, LeaseOutcome } from "./scripts/read-scripts.js";
import { sleep } from "./sleep.js";
import type { EntityParts } from "./repository-parts.js";
import type { Loader } from "./source-adapter.js";
import { storedNotFound } from "./stored-value.js";

/** Lease waits: first poll delay, backoff cap, and how long polls are a plain GET. */
const FIRST_POLL_MS = 8;
const MAX_POLL_MS = 100;
const GET_POLLS_MS = 160;

const PROCESS_ID = randomBytes(6).toString("hex");
let tokenCounter = 0;
/** A lease token, unique across processes. */
export function newToken(): string {
  tokenCounter = (tokenCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS_ID}.${tokenCounter.toString(36)}`;
}

export interface LeaseParts<TEntity, TKey> extends EntityParts<TEntity, TKey> {
  readonly invalidator: Invalidator<TEntity, TKey>;
  readonly l1: L1Cache<TEntity> | undefined;
  readonly leaseTtlMs: number;
}

/** `acquire`'s answer: the outcome per key under the tokens sent, or the values when they were loaded without knowing. */
type Acquired<TEntity> =
  | { readonly tokens: readonly string[]; readonly outcomes: readonly LeaseOutcome[] }
  | { readonly loaded: (TEntity | null)[] };

/**
 * The lease protocol (the memcache lease idea), guarantees 1 and 2:
 *
 * - **acquire**: a miss takes the key's lease (a token, with the tag epoch it was taken under) in
 *   one script, unless someone filled the value meanwhile or holds the lease.
 * - **fill**: the holder loads from the source and writes the value only while its lease still
 *   holds exactly that token and epoch. Every invalidation and write deletes the lease (or bumps
 *   the epoch), so a fill racing a write can never cache the older value (guarantee 1).
 * - **wait**: a key leased elsewhere is not loaded again: the reader polls for the fill, and takes
 *   the lease over once it is gone (the holder died), so N concurrent misses across processes cost
 *   one source load (guarantee 2).
 * - **release**: a holder whose load failed gives the lease back at once.
 */
export class Leases<TEntity, TKey> {
  /** Keys with a stale-while-revalidate refresh running in this process. */
  private readonly refreshing = new Set<string>();

  constructor(private readonly parts: LeaseParts<TEntity, TKey>) {}

  /**
   * Answers keys that missed in Redis: takes their leases (one script), loads the ones held (one
   * source call where the source batches) and fills them (one script), and waits for the keys
   * another process is filling. Values in the order of `ks`.
   */
  async resolveMisses(
    ks: readonly ResolvedKey<TKey>[],
    loader: Loader<TEntity, TKey> | undefined,
  ): Promise<(TEntity | null)[]> {
    const mark = this.parts.l1?.mark();
    await this.parts.invalidator.discarded(ks);
    const acquired = await this.acquire(ks, "read", loader);
    if (acquired === undefined) return this.parts.source.load(ks, loader);
    if ("loaded" in acquired) return acquired.loaded;
    const { tokens, outcomes } = acquired;

    const results: (TEntity | null)[] = new Array<TEntity | null>(ks.length).fill(null);
    const held: number[] = [];
    const pending: Promise<void>[] = [];
    outcomes.forEach((outcome, i) => {
      const k = ks[i]!;
      if (outcome.kind === "leased") {
        held.push(i);
      } else if (outcome.kind === "value") {
        const decoded = this.decode(k, outcome.stored);
        if (decoded) results[i] = decoded.value;
        else pending.push(this.parts.source.loadOne(k, loader).then((v) => void (results[i] = v)));
      } else {
        pending.push(this.waitForFill(k, loader).then((v) => void (results[i] = v)));
      }
    });
    if (held.length) {
      const heldKeys = held.map((i) => ks[i]!);
      const heldTokens = held.map((i) => tokens[i]!);
      const values = await this.loadAndFill(heldKeys, heldTokens, loader, mark);
      held.forEach((i, j) => (results[i] = values[j] ?? null));
    }
    await Promise.all(pending);
    return results;
  }

  /** `refresh()`: takes the lease whoever holds it (revoking the holder's fill), reloads and fills. */
  async forceRefresh(k: ResolvedKey<TKey>): Promise<TEntity | null> {
    const acquired = await this.acquire([k], "force", undefined);
    if (acquired === undefined) return this.parts.source.loadOne(k, undefined);
    if ("loaded" in acquired) return acquired.loaded[0] ?? null;
    const [value] = await this.loadAndFill([k], acquired.tokens, undefined, undefined);
    await this.parts.invalidator.publish([k.valueKey]);
    return value ?? null;
  }

  /** Stale-while-revalidate: one background refresh per key in this process, and one across processes (the lease). */
  revalidate(k: ResolvedKey<TKey>, loader: Loader<TEntity, TKey> | undefined): void {
    if (this.refreshing.has(k.valueKey)) return;
    this.refreshing.add(k.valueKey);
    const run = async (): Promise<void> => {
      const acquired = await this.acquire([k], "stale", loader);
      if (acquired === undefined || "loaded" in acquired || acquired.outcomes[0]?.kind !== "leased") return;
      await this.loadAndFill([k], acquired.tokens, loader, undefined);
    };
    run()
      .catch((error: unknown) => this.parts.events.record("refresh-failed", k.valueKey, { error }))
      .finally(() => this.refreshing.delete(k.valueKey));
  }

  /**
   * Asks for the leases of `ks` under fresh tokens. Undefined when Redis was not asked (skipped):
   * the caller loads without a lease. When `acquire` was sent but failed (e.g. timed out), it may
   * still have run and taken the leases: the keys are loaded here (`loaded`) and filled in the
   * background under the tokens sent, so other processes do not wait out a lease TTL for a fill
   * that would never come (a lease that is not ours rejects it, as any fill).
   */
  private async acquire(
    ks: readonly ResolvedKey<TKey>[],
    mode: LeaseMode,
    loader: Loader<TEntity, TKey> | undefined,
  ): Promise<Acquired<TEntity> | undefined> {
    const tokens = ks.map(() => newToken());
    const r = await this.parts.redis.acquire(ks, tokens, mode);
    if (r.ok) {
      r.value.forEach((outcome, i) => {
        if (outcome.kind !== "value" && outcome.deleted)
          this.parts.events.record("invalid-value", ks[i]!.valueKey, {
            detail: `a Redis ${outcome.deleted} where the value belongs (not cachegen's): deleted`,
          });
      });
      return { tokens, outcomes: r.value };
    }
    if (r.skipped) return undefined;
    const values = await this.loadHolding(ks, tokens, loader);
    void this.fillOrRelease(ks, tokens, values, undefined).catch(() => undefined);
    return { loaded: values };
  }

  /**
   * Loads keys whose leases this process holds, renewing them while the load runs; on a source
   * error releases the leases, then rethrows.
   */
  private async loadHolding(
    ks: readonly ResolvedKey<TKey>[],
    tokens: readonly string[],
    loader: Loader<TEntity, TKey> | undefined,
  ): Promise<(TEntity | null)[]> {
    try {
      return await whileRenewing(
        this.parts.leaseTtlMs,
        () => void this.parts.redis.renewLeases(ks, tokens),
        () => this.parts.source.load(ks, loader),
      );
    } catch (error) {
      await this.release(ks, tokens);
      throw error;
    }
  }

  /** Loads keys whose leases this process holds and fills them: `loadHolding`, then `fillOrRelease`. */
  private async loadAndFill(
    ks: readonly ResolvedKey<TKey>[],
    tokens: readonly string[],
    loader: Loader<TEntity, TKey> | undefined,
    mark: number | undefined,
  ): Promise<(TEntity | null)[]> {
    const values = await this.loadHolding(ks, tokens, loader);
    await this.fillOrRelease(ks, tokens, values, mark);
    return values;
  }

  /**
   * Fills values loaded under the leases `tokens`; when the fill did not answer (it failed, e.g.
   * part-way on a key of the wrong type, or threw) the leases are released before this settles,
   * so the next reader loads at once instead of waiting out leaseTtlMs. A release is token-checked:
   * a lease the fill consumed or someone else took since is left alone.
   */
  private async fillOrRelease(
    ks: readonly ResolvedKey<TKey>[],
    tokens: readonly string[],
    values: readonly (TEntity | null)[],
    mark: number | undefined,
  ): Promise<void> {
    let answered = false;
    try {
      answered = await this.fill(
        ks.map((k, i) => ({ k, token: tokens[i]!, value: values[i] ?? null })),
        mark,
      );
    } finally {
      if (!answered) await this.release(ks, tokens);
    }
  }

  private async release(ks: readonly ResolvedKey<TKey>[], tokens: readonly string[]): Promise<void> {
    await Promise.all(ks.map((k, i) => this.parts.redis.release(k, tokens[i]!)));
  }

  /**
   * A key someone else holds the lease for: wait for its fill, polling with backoff (8, 16, 32,
   * 64, then every 100 ms; at most twice the lease TTL). The first polls are a plain GET of the
   * value (one command): a holder usually fills within a few tens of ms, so a stampede across
   * processes costs a few commands per process, not per request. After GET_POLLS_MS (the holder is
   * slow, failed, or its fill was revoked) each poll is `acquire`, which also takes the lease over
   * when it is gone (the holder died or released it).
   */
  private async waitForFill(k: ResolvedKey<TKey>, loader: Loader<TEntity, TKey> | undefined): Promise<TEntity | null> {
    this.parts.events.record("lease-wait", k.valueKey);
    const started = Date.now();
    const deadline = started + 2 * this.parts.leaseTtlMs;
    let delay = FIRST_POLL_MS;
    while (Date.now() < deadline) {
      await sleep(delay, true);
      delay = Math.min(delay * 2, MAX_POLL_MS);
      if (Date.now() - started < GET_POLLS_MS) {
        const r = await this.parts.redis.readOne(k.valueKey);
        if (!r.ok) break;
        const decoded = this.decode(k, r.value ?? undefined);
        if (decoded) return decoded.value;
        continue;
      }
      const acquired = await this.acquire([k], "read", loader);
      if (acquired === undefined) break;
      if ("loaded" in acquired) return acquired.loaded[0] ?? null;
      const outcome = acquired.outcomes[0];
      if (outcome?.kind === "value") {
        const decoded = this.decode(k, outcome.stored);
        if (decoded) return decoded.value;
      } else if (outcome?.kind === "leased") {
        const [value] = await this.loadAndFill([k], acquired.tokens, loader, undefined);
        return value ?? null;
      }
    }
    return this.parts.source.loadOne(k, loader);
  }

  /**
   * Fills values loaded under leases, in one script; an entry whose lease was revoked meanwhile is
   * not written (a `fill-rejected` event). A not-found is remembered for negativeTtl, else whatever
   * is cached is deleted (a refresh found nothing). A value that fails the schema is not cached and
   * its lease released. `mark` (an L1 generation) lets L1 keep what was filled. False when the fill
   * script was sent but did not answer (the leases it should have consumed may still be held).
   */
  private async fill(
    entries: readonly { k: ResolvedKey<TKey>; token: string; value: TEntity | null }[],
    mark: number | undefined,
  ): Promise<boolean> {
    const { redis, codec, ttl, events, l1 } = this.parts;
    const fills: FillEntry<TEntity, TKey>[] = [];
    const sent: { k: ResolvedKey<TKey>; value: TEntity | null; freshUntil: number; bytes: number }[] = [];
    const releases: Promise<unknown>[] = [];
    const now = Date.now();
    for (const { k, token, value } of entries) {
      if (value === null) {
        const notFoundMs = ttl.notFound();
        fills.push({
          k,
          token,
          stored: notFoundMs === undefined ? "" : storedNotFound(now + notFoundMs),
          pttl: notFoundMs ?? 1,
          entity: undefined,
        });
        sent.push({ k, value, freshUntil: notFoundMs === undefined ? 0 : now + notFoundMs, bytes: 0 });
        continue;
      }
      const lifetime = ttl.valueOf(value, now);
      if (lifetime === undefined) {
        // past its expiresAt: returned to the caller, not cached (and a refreshed entry is dropped)
        fills.push({ k, token, stored: "", pttl: 1, entity: undefined });
        sent.push({ k, value: null, freshUntil: 0, bytes: 0 });
        continue;
      }
      const { fresh, pttl } = lifetime;
      const encoded = codec.encode(value, k.enc, now + fresh);
      if (!encoded.ok) {
        events.record("invalid-value", k.valueKey, { detail: `source value not cached: ${encoded.reason}` });
        releases.push(redis.release(k, token));
        continue;
      }
      fills.push({ k, token, stored: encoded.stored, pttl, entity: value });
      sent.push({ k, value, freshUntil: now + fresh, bytes: encoded.stored.length });
    }
    let answered = true;
    if (sent.length) {
      const r = await redis.fill(fills);
      answered = r.ok;
      if (r.ok) {
        r.value.forEach((filled, i) => {
          const entry = sent[i]!;
          if (!filled)
            events.record("fill-rejected", entry.k.valueKey, { detail: "lease revoked by a write or invalidation" });
          else if (mark !== undefined) l1?.set(entry.k.valueKey, entry.value, entry.freshUntil, mark, entry.bytes);
        });
      }
    }
    await Promise.all(releases);
    return answered;
  }

  /** Decodes a value a script or poll returned; an invalid one is discarded (undefined). */
  private decode(k: ResolvedKey<TKey>, raw: Buffer | undefined): { value: TEntity | null } | undefined {
    if (!raw) return undefined;
    const decoded = this.parts.codec.decode(raw, k.enc, k.key);
    if (decoded.kind === "invalid") {
      this.parts.invalidator.discardInvalid(k.valueKey, raw, decoded.reason);
      return undefined;
    }
    return { value: decoded.kind === "value" ? decoded.entity : null };
  }
}
