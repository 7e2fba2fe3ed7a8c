import type { Codec } from "./codec.js";
import type { EntityDefinition } from "./definition.js";
import type { Events } from "./events.js";
import type { KeySpace } from "./key-space.js";
import type { KeyGroup } from "./write-behind-batch.js";

/** What deciding how a landed write is cached needs of the worker. */
export interface LandingParts<TEntity, TKey> {
  readonly definition: EntityDefinition<TEntity, TKey>;
  readonly keys: KeySpace<TEntity, TKey>;
  readonly codec: Codec<TEntity>;
  readonly events: Events;
  /** The key space of a namespace an entry was queued under (undefined when it cannot be built). */
  spaceOf(ns: string): KeySpace<TEntity, TKey> | undefined;
}

/** How ACKNOWLEDGE lands a key's value: 0 keeps it (expiry), 1 revokes it, 2 replaces it with `kept`. */
export interface LandingPlan {
  readonly mode: number;
  readonly kept: string | Buffer;
  readonly keptIndexes: readonly string[];
  readonly keptTags: readonly string[];
  readonly encodedKey: string;
}

/** A landing that keeps (0) or revokes (1) the cached value. */
export function landingAs(group: KeyGroup<unknown, unknown>, mode: 0 | 1): LandingPlan {
  const enc = group.written.fields.get("key")?.toString("latin1") ?? "";
  return { mode, kept: "", keptIndexes: [], keptTags: [], encodedKey: enc };
}

/**
 * How a landed save is cached (see ACKNOWLEDGE): the row the source answered in its place; with a
 * versionField and no answer, only when the save replaced an older cached version (a fenced source
 * may have refused it: the newer value may have left the cache), else it is revoked. A value past
 * its expiresAt (`lifetime` undefined) is revoked too.
 */
export function landingOf<TEntity, TKey>(
  group: KeyGroup<TEntity, TKey>,
  kept: unknown,
  lifetime: { readonly fresh: number } | undefined,
  parts: LandingParts<TEntity, TKey>,
): LandingPlan {
  const enc = group.written.fields.get("key")?.toString("latin1") ?? "";
  const as = (mode: 0 | 1) => landingAs(group, mode);
  if (group.write.op !== "save") return as(0);
  if (lifetime === undefined) return as(1); // past its expiresAt: the landed value is not kept
  const { fresh } = lifetime;
  if (kept === undefined) return as(parts.definition.versionField && !group.proven ? 1 : 0);
  const space = parts.spaceOf(group.written.fields.get("ns")?.toString("latin1") ?? "") ?? parts.keys;
  const row = kept as TEntity;
  const encoded =
    space.encOfEntity(row) === enc
      ? parts.codec.encode(row, enc, Date.now() + fresh)
      : ({ ok: false, reason: "source.save returned a row of another key" } as const);
  if (!encoded.ok) {
    parts.events.record("invalid-value", group.valueKey, { detail: `value not cached: ${encoded.reason}` });
    return as(1);
  }
  return {
    mode: 2,
    kept: encoded.stored,
    keptIndexes: space.indexKeysOfEntity(row),
    keptTags: space.tagKeysOfEntity(row),
    encodedKey: enc,
  };
}
