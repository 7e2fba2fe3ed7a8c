import { replyBytes, replyText } from "../replies.js";
import { LUA_NEWER_STORED } from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { LUA_JOIN_TAG_SETS } from "./tag-sets.js";

/**
 * Scripts that revoke and write: invalidation (of keys and of tags) and the write-through put.
 * Each revokes the leases of the values it touches, so a fill in flight for them is rejected.
 * A value without expiry is a write-behind value whose write is still queued: it is newer than the
 * source, so invalidations keep it (the worker restamps it once the write lands).
 */

/**
 * Deletes each entry's value and lease together (revoking fills in flight), then `indexEntries`.
 * Replies per entry with the value it deleted (undefined if none, or kept because its write is queued).
 */
export const INVALIDATE = defineScript({
  name: "invalidate",
  input: { entries: { each: { value: "key", lease: "key" } }, indexEntries: "keys" },
  lua: `
local out = {}
for i, e in ipairs(entries) do
  if redis.call('PTTL', e.value) == -1 then
    out[i] = ''
    redis.call('DEL', e.lease)
  else
    out[i] = redis.call('GET', e.value) or ''
    redis.call('DEL', e.value, e.lease)
  end
end
for _, key in ipairs(indexEntries) do redis.call('DEL', key) end
return out`,
  reply: (raw): (Buffer | undefined)[] | undefined => (Array.isArray(raw) ? raw.map(replyBytes) : undefined),
});

/**
 * Bumps the tag epoch (revoking every in-flight fill of the entity: their leases name the old
 * epoch), deletes each member value of the tag sets and its lease, then the sets. Members with a
 * write queued are kept (the write-behind worker adds them back when the write lands). Members are
 * re-checked to start with `valuePrefix`, so tampered data cannot reach other keys. Replies with
 * the value keys deleted.
 *
 * The epoch expires `epochTtlMs` after its last bump (a namespace left by an old deploy leaves no
 * key behind). A missing epoch starts from the caller's clock in µs (`startEpoch`), not from 1: an
 * epoch that expired never takes a value it had before, so a lease taken under an old value can
 * never match it again.
 */
export const INVALIDATE_TAG = defineScript({
  name: "invalidate-tag",
  input: {
    epoch: "key",
    sets: "keys",
    valuePrefix: "text",
    leasePrefix: "text",
    startEpoch: "text",
    epochTtlMs: "number",
  },
  lua: `
if redis.call('INCR', epoch) == 1 then redis.call('SET', epoch, startEpoch) end
redis.call('PEXPIRE', epoch, epochTtlMs)
local out = {}
for _, set in ipairs(sets) do
  for _, m in ipairs(redis.call('SMEMBERS', set)) do
    if #m > #valuePrefix and string.sub(m, 1, #valuePrefix) == valuePrefix and redis.call('PTTL', m) ~= -1 then
      redis.call('DEL', m, leasePrefix .. string.sub(m, #valuePrefix + 1))
      out[#out + 1] = m
    end
  end
  redis.call('DEL', set)
end
return out`,
  reply: (raw): string[] | undefined => (Array.isArray(raw) ? raw.map(replyText) : undefined),
});

export type PutStatus = "written" | "kept-newer" | "dropped";

/**
 * Write-through: revokes the lease and writes the value, its index entries and tag sets. With a
 * `version` ('' without versionField) a newer cached value is kept. With a `writer` token (no
 * versionField) the writer leaves `writers`; if other writers overlapped, the value is dropped
 * instead (racing writes fall back to invalidation). Replies with the status and, when asked
 * (`returnOld`), the value replaced.
 */
export const PUT = defineScript({
  name: "put",
  input: {
    value: "key",
    lease: "key",
    writers: "key",
    indexes: "keys",
    tags: "keys",
    payload: "stored",
    pttl: "number",
    version: "text",
    writer: "text",
    pointer: "text",
    returnOld: "flag",
  },
  uses: [LUA_NEWER_STORED, LUA_JOIN_TAG_SETS],
  lua: `
redis.call('DEL', lease)
local old = redis.call('GET', value) or ''
local function out(status)
  if returnOld then return {status, old} end
  return {status, ''}
end
if writer ~= '' then
  redis.call('SREM', writers, writer)
  local others = redis.call('SCARD', writers)
  local conflict = redis.call('SISMEMBER', writers, '!') == 1
  if conflict then others = others - 1 end
  if others > 0 then
    redis.call('DEL', value)
    redis.call('SADD', writers, '!')
    return out(0)
  elseif conflict then
    redis.call('DEL', value, writers)
    return out(0)
  end
end
if newer_stored(old, version) then return out(2) end
redis.call('SET', value, payload, 'PX', pttl)
for _, index in ipairs(indexes) do redis.call('SET', index, pointer, 'PX', pttl) end
join_tag_sets(tags, value, pttl)
return out(1)`,
  reply: (raw): { readonly status: PutStatus; readonly old: Buffer | undefined } | undefined => {
    if (!Array.isArray(raw)) return undefined;
    const status = Number(raw[0]);
    return { status: status === 1 ? "written" : status === 2 ? "kept-newer" : "dropped", old: replyBytes(raw[1]) };
  },
});

/** Registers a write-through writer in flight (without versionField), for `ttlMs`. */
export const MARK_WRITER = defineScript({
  name: "mark-writer",
  input: { writers: "key", writer: "text", ttlMs: "number" },
  lua: `
redis.call('SADD', writers, writer)
redis.call('PEXPIRE', writers, ttlMs)
return 1`,
  reply: (): true => true,
});
