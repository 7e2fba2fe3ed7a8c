import { replyBytes, replyText } from "../replies.js";
import {
  LUA_NEWER,
  LUA_NEWER_STORED,
  LUA_STORED_KIND,
  LUA_STORED_VERSION,
  LUA_WITH_FRESH_UNTIL,
} from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { LUA_JOIN_TAG_SETS } from "./tag-sets.js";

/**
 * Scripts that revoke and write: invalidation (of keys, of tags, of a whole namespace) and the
 * write-through put. Each revokes the leases of the values it touches, so a fill in flight for them
 * is rejected, and marks the key's write-through writers in flight as overlapped (`!` in their
 * set), so a put racing it cannot cache what it revoked (a save racing a delete loses).
 * A value without expiry is a write-behind value whose write is still queued: it is newer than the
 * source, so invalidations keep it (the worker restamps it once the write lands).
 */

/**
 * Deletes each entry's value and lease together (revoking fills in flight), marks its writers in
 * flight as overlapped (`markWriters`: the entity is write-through), then deletes `indexEntries`. Replies per entry with the value it deleted
 * (undefined if none, or kept because its write is queued). `soft`: a value is marked stale instead
 * (freshUntil 0, TTL kept: stale-while-revalidate serves it while one refresh runs), its lease still
 * deleted; the reply is the value as it was.
 */
export const INVALIDATE = defineScript({
  name: "invalidate",
  input: {
    entries: { each: { value: "key", lease: "key", writers: "key" } },
    indexEntries: "keys",
    markWriters: "flag",
    soft: "flag",
  },
  uses: [LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL],
  lua: `
local out = {}
for i, e in ipairs(entries) do
  if markWriters and redis.call('SCARD', e.writers) > 0 then redis.call('SADD', e.writers, '!') end
  if redis.call('PTTL', e.value) == -1 then
    out[i] = ''
    redis.call('DEL', e.lease)
  else
    local v = redis.call('GET', e.value)
    out[i] = v or ''
    local kind = v and stored_kind(v)
    if soft and kind and kind ~= 'n' then
      redis.call('SET', e.value, with_fresh_until(v, 0), 'KEEPTTL')
      redis.call('DEL', e.lease)
    else
      redis.call('DEL', e.value, e.lease)
    end
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
 *
 * `soft`: members that are values are marked stale instead (freshUntil 0, TTL kept), their leases
 * still deleted, and the sets kept (a later invalidation still finds them).
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
    soft: "flag",
  },
  uses: [LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL],
  lua: `
if redis.call('INCR', epoch) == 1 then redis.call('SET', epoch, startEpoch) end
redis.call('PEXPIRE', epoch, epochTtlMs)
local out = {}
for _, set in ipairs(sets) do
  for _, m in ipairs(redis.call('SMEMBERS', set)) do
    if #m > #valuePrefix and string.sub(m, 1, #valuePrefix) == valuePrefix and redis.call('PTTL', m) ~= -1 then
      local lease = leasePrefix .. string.sub(m, #valuePrefix + 1)
      local v = soft and redis.call('GET', m)
      local kind = v and stored_kind(v)
      if kind and kind ~= 'n' then
        redis.call('SET', m, with_fresh_until(v, 0), 'KEEPTTL')
        redis.call('DEL', lease)
      else
        redis.call('DEL', m, lease)
      end
      out[#out + 1] = m
    end
  end
  if not soft then redis.call('DEL', set) end
end
return out`,
  reply: (raw): string[] | undefined => (Array.isArray(raw) ? raw.map(replyText) : undefined),
});

/**
 * Revokes every entry of an entity namespace, a batch per call (the fallback when the retry queue
 * cannot hold the revocations it must retry): bumps the tag epoch on the first call (`bump`,
 * revoking every fill in flight), then takes one SCAN step (`cursor`, keys matching `match`, all
 * under `base`) and deletes what it finds except the epoch, write-behind pending counts and keys
 * without expiry (queued write-behind values and their index entries); writer sets are marked
 * overlapped instead (`markWriters`: the entity is write-through). Runs on the node of the entity's hash tag (the `epoch` key), which holds every
 * key of the entity. Replies with the next cursor ("0": done) and the value keys deleted.
 */
export const INVALIDATE_NAMESPACE = defineScript({
  name: "invalidate-namespace",
  input: {
    epoch: "key",
    bump: "flag",
    markWriters: "flag",
    startEpoch: "text",
    epochTtlMs: "number",
    cursor: "text",
    match: "text",
    count: "number",
    base: "text",
    valuePrefix: "text",
    writersPrefix: "text",
    pendingPrefix: "text",
  },
  lua: `
if bump then
  if redis.call('INCR', epoch) == 1 then redis.call('SET', epoch, startEpoch) end
  redis.call('PEXPIRE', epoch, epochTtlMs)
end
local function starts(s, p) return string.sub(s, 1, #p) == p end
local step = redis.call('SCAN', cursor, 'MATCH', match, 'COUNT', count)
local dropped = {}
for _, key in ipairs(step[2]) do
  if not starts(key, base) or key == epoch or starts(key, pendingPrefix) then
  elseif starts(key, writersPrefix) then
    if markWriters and redis.call('SCARD', key) > 0 then redis.call('SADD', key, '!') end
  elseif redis.call('PTTL', key) ~= -1 then
    redis.call('DEL', key)
    if starts(key, valuePrefix) then dropped[#dropped + 1] = key end
  end
end
return {step[1], dropped}`,
  reply: (raw): { readonly cursor: string; readonly dropped: string[] } | undefined =>
    Array.isArray(raw) && Array.isArray(raw[1])
      ? { cursor: replyText(raw[0]), dropped: (raw[1] as unknown[]).map(replyText) }
      : undefined,
});

/** `written`: the value is cached. `kept-newer`: a newer version stays. `dropped`: the value was revoked instead. */
export type PutStatus = "written" | "kept-newer" | "dropped";

/**
 * Write-through, after the source write: revokes the lease and writes the value, its index entries
 * and tag sets, only when it can tell the value is what the source holds. The writer leaves
 * `writers` (registered before the source write by MARK_WRITER, with the tag epoch then). The value
 * is dropped instead (revoked, like an invalidation) when another writer, a delete or an
 * invalidation overlapped this write (others in `writers`, or its `!` mark), when the registration
 * is gone (expired: nothing can be told), or when the tag epoch moved. Otherwise a newer cached
 * version (`version`, '' without versionField) is kept. A `proven` value is what the source holds
 * (the row the source answered, or, without versionField, the value written); an unproven one (a
 * versioned write whose source answered nothing: a fenced source may have refused it) is written
 * only over a cached value of an older version, else dropped. Replies with the status and, when
 * asked (`returnOld`), the value replaced.
 */
export const PUT = defineScript({
  name: "put",
  input: {
    value: "key",
    lease: "key",
    writers: "key",
    epoch: "key",
    indexes: "keys",
    tags: "keys",
    payload: "stored",
    pttl: "number",
    version: "text",
    writer: "text",
    writerEpoch: "text",
    proven: "flag",
    pointer: "text",
    returnOld: "flag",
  },
  uses: [LUA_NEWER, LUA_STORED_VERSION, LUA_NEWER_STORED, LUA_JOIN_TAG_SETS],
  lua: `
redis.call('DEL', lease)
local old = redis.call('GET', value) or ''
local function out(status)
  if returnOld then return {status, old} end
  return {status, ''}
end
local registered = redis.call('SREM', writers, writer) == 1
local others = redis.call('SCARD', writers)
local overlapped = redis.call('SISMEMBER', writers, '!') == 1
if overlapped then others = others - 1 end
if others > 0 then
  redis.call('SADD', writers, '!')
  overlapped = true
elseif overlapped then
  redis.call('DEL', writers)
end
if overlapped or not registered or (redis.call('GET', epoch) or '0') ~= writerEpoch then
  redis.call('DEL', value)
  return out(0)
end
if newer_stored(old, version) then return out(2) end
if not proven then
  local current = old ~= '' and stored_version(old) or nil
  if current == nil or current == '' or not newer(version, current) then
    redis.call('DEL', value)
    return out(0)
  end
end
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

/** Registers a write-through writer in flight, for `ttlMs`; replies with the tag epoch now (the put checks it has not moved). */
export const MARK_WRITER = defineScript({
  name: "mark-writer",
  input: { writers: "key", epoch: "key", writer: "text", ttlMs: "number" },
  lua: `
redis.call('SADD', writers, writer)
redis.call('PEXPIRE', writers, ttlMs)
return redis.call('GET', epoch) or '0'`,
  reply: (raw): string => replyText(raw),
});
