import { createHash } from "node:crypto";
import type { Codec } from "./codec.js";
import type { KeySpace } from "./key-space.js";
import { compareIds, type StreamEntry } from "./stream-entries.js";

/** What the entries of one key come to: the newest write, or why it cannot be made. */
export type CoalescedWrite<TEntity, TKey> =
  /** `afterDelete`: the entries hold a delete before this save; the source gets both, in order (a fence on the version would refuse the save over the old row). */
  | { readonly op: "save"; readonly entity: TEntity; readonly afterDelete: TKey | undefined }
  | { readonly op: "delete"; readonly key: TKey }
  /** `malformed`: not an entry this runtime wrote (retrying cannot help); else e.g. a payload of a newer shape. */
  | { readonly op: "unreadable"; readonly reason: string; readonly malformed: boolean };

/** The queue entries of one key in a batch, coalesced to one write (the newest entry wins). */
export interface KeyGroup<TEntity, TKey> {
  readonly valueKey: string;
  readonly leaseKey: string;
  readonly pendingKey: string;
  /** Names the worker that writes this key now (per-key order across workers; see the OWN script). */
  readonly ownerKey: string;
  /** The newest entry id of the key settled while older ones were still queued (see settle_entries). */
  readonly settledKey: string;
  /** Index entries and tag sets of the written value, in the entry's namespace. */
  readonly indexKeys: readonly string[];
  readonly tagKeys: readonly string[];
  readonly ids: readonly string[];
  /** The newest entry: the one written. */
  readonly written: StreamEntry;
  /** sha1 of the written payload as stored in Redis ("" for a delete). */
  readonly writtenSha: string;
  readonly write: CoalescedWrite<TEntity, TKey>;
  /** The written save replaced a cached value of an older version (its queue entry's `over`): with a versionField, the proof it is the newest when the source answers nothing. */
  readonly proven: boolean;
  /** Every value the entries carry (saved and previous): what `invalidates` names is dropped for each once the write lands. */
  readonly values: readonly TEntity[];
}

export interface CoalesceContext<TEntity, TKey> {
  /** The key space of this deployment's namespace. */
  readonly current: KeySpace<TEntity, TKey>;
  /** Where an entry's keys live: its namespace's key space, or undefined for a namespace that cannot be one. */
  readonly spaceOf: (namespace: string) => KeySpace<TEntity, TKey> | undefined;
  readonly codec: Codec<TEntity>;
  /** Decode every entry's values for `KeyGroup.values` (only needed when the entity `invalidates` others). */
  readonly keepValues: boolean;
}

const OPS = new Set(["s", "d"]);

/**
 * Groups entries by key (namespace and encoded key) and decodes the newest of each. Stream ids
 * order the entries as their saves were applied to the cache, and the enqueue script refuses a save
 * older than the cached version, so with a `versionField` the newest entry is also the highest version.
 */
export function coalesce<TEntity, TKey>(
  entries: readonly StreamEntry[],
  context: CoalesceContext<TEntity, TKey>,
): KeyGroup<TEntity, TKey>[] {
  const byKey = new Map<string, StreamEntry[]>();
  for (const entry of entries) {
    const op = entry.fields.get("op")?.toString("latin1");
    const enc = entry.fields.get("key")?.toString("latin1");
    const ns = entry.fields.get("ns")?.toString("latin1");
    const id = op && enc && ns && OPS.has(op) ? `${ns}\u0000${enc}` : `malformed\u0000${entry.id}`;
    const list = byKey.get(id);
    if (list) list.push(entry);
    else byKey.set(id, [entry]);
  }
  return [...byKey.values()].map((list) => group(list, context));
}

function group<TEntity, TKey>(
  list: readonly StreamEntry[],
  { current, spaceOf, codec, keepValues }: CoalesceContext<TEntity, TKey>,
): KeyGroup<TEntity, TKey> {
  const sorted = [...list].sort((a, b) => compareIds(a.id, b.id));
  const written = sorted[sorted.length - 1]!;
  const op = written.fields.get("op")?.toString("latin1") ?? "";
  const enc = written.fields.get("key")?.toString("latin1") ?? written.id;
  const ns = written.fields.get("ns")?.toString("latin1") ?? "";
  const space = spaceOf(ns);
  const keys = space ?? current;
  const base = {
    valueKey: keys.valueKeyOfEnc(enc),
    leaseKey: keys.leaseKeyOfEnc(enc),
    pendingKey: keys.pendingKeyOfEnc(enc),
    // Under the pending count's prefix, which a namespace revocation keeps; `<enc>:o` and `<enc>:s`
    // have one key part more than any key of the entity, so they are never another key's pending count.
    ownerKey: `${keys.pendingKeyOfEnc(enc)}:o`,
    settledKey: `${keys.pendingKeyOfEnc(enc)}:s`,
    ids: sorted.map((entry) => entry.id),
    written,
    proven: written.fields.get("over")?.toString("latin1") === "1",
    values: keepValues
      ? sorted
          .flatMap((entry) => [entry.fields.get("value"), entry.fields.get("prev")])
          .flatMap((raw) => valueOf(raw, enc, codec))
      : [],
  };
  const unreadable = (reason: string, malformed: boolean): KeyGroup<TEntity, TKey> => ({
    ...base,
    indexKeys: [],
    tagKeys: [],
    writtenSha: "",
    write: { op: "unreadable", reason, malformed },
  });
  if (!space || !OPS.has(op))
    return unreadable(
      `malformed queue entry ${written.id} (op ${JSON.stringify(op)}, namespace ${JSON.stringify(ns)})`,
      true,
    );
  let key: TKey;
  try {
    key = space.parse(enc).key;
  } catch (error) {
    return unreadable(`malformed queue entry ${written.id}: ${(error as Error).message}`, true);
  }
  if (op === "d") return { ...base, indexKeys: [], tagKeys: [], writtenSha: "", write: { op: "delete", key } };

  const payload = written.fields.get("value");
  if (!payload) return unreadable(`malformed queue entry ${written.id}: a save without a value`, true);
  const decoded = codec.decode(payload, enc);
  if (decoded.kind !== "value") {
    const reason = decoded.kind === "invalid" ? decoded.reason : "not a value";
    return unreadable(
      `queued value of ${base.valueKey} cannot be decoded by this deployment (${reason}); a worker running the shape that wrote it can`,
      false,
    );
  }
  if (space.encOfEntity(decoded.entity) !== enc)
    return unreadable(`malformed queue entry ${written.id}: its value belongs to another key`, true);
  return {
    ...base,
    indexKeys: space.indexKeysOfEntity(decoded.entity),
    tagKeys: space.tagKeysOfEntity(decoded.entity),
    writtenSha: createHash("sha1").update(payload).digest("hex"),
    write: {
      op: "save",
      entity: decoded.entity,
      afterDelete: sorted.some((entry) => entry.fields.get("op")?.toString("latin1") === "d") ? key : undefined,
    },
  };
}

function valueOf<TEntity>(raw: Buffer | undefined, enc: string, codec: Codec<TEntity>): TEntity[] {
  if (!raw) return [];
  const decoded = codec.decode(raw, enc);
  return decoded.kind === "value" ? [decoded.entity] : [];
}
