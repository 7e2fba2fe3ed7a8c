import { replyBytes, replyText } from "../replies.js";
import {
  LUA_NEWER,
  LUA_NEWER_STORED,
  LUA_STORED_KIND,
  LUA_STORED_VERSION,
  LUA_WITH_FRESH_UNTIL,
} from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { LUA_STORED_AT } from "./stored-at.js";

/**
 * Scripts that revoke and write: invalidation (of keys, of tags, of a whole namespace) and the
 * write-through put. Each revokes the leases of the values it touches, so a fill in flight for them
 * is rejected, and marks the key's write-through writers in flight as overlapped (`!` in their
 * set), so a put racing it cannot cache what it revoked (a save racing a delete loses).
 * A value without expiry is a write-behind value whose write is still queued: it is newer than the
 * source, so invalidations keep it (the worker restamps it once the write lands).
 */

/**
 * Deletes each entry's value and lease together (revoking fills in flight) and marks its writers in
 * flight as overlapped (`markWriters`: the entity is write-through). Replies per entry with the
 * value it deleted (undefined if none, or kept because its write is queued). Index entries are in
 * other slots: the caller deletes them after. `soft`: a value is marked stale instead (freshUntil 0,
 * TTL kept: stale-while-revalidate serves it while one refresh runs), its lease still deleted; the
 * reply is the value as it was.
 */
export const INVALIDATE = defineScript({
  name: "invalidate",
  input: {
    entries: { each: { value: "key", lease: "key", writers: "key" } },
    markWriters: "flag",
    soft: "flag",
  },
  uses: [LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL, LUA_STORED_AT],
  lua: `
local out = {}
for i, e in ipairs(entries) do
  if markWriters and redis.call('SCARD', e.writers) > 0 then redis.call('SADD', e.writers, '!') end
  if redis.call('PTTL', e.value) == -1 then
    out[i] = ''
    redis.call('DEL', e.lease)
  else
    local v = stored_at(e.value)
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
return out`,
  reply: (raw): (Buffer | undefined)[] | undefined => (Array.isArray(raw) ? raw.map(replyBytes) : undefined),
});

/**
 * Bumps tag epochs (revoking every in-flight fill of their buckets: their leases name the old
 * epoch). An epoch expires `epochTtlMs` after its last bump (a namespace left by an old deploy
 * leaves no key behind). A missing epoch starts from the caller's clock in µs (`startEpoch`), not
 * from 1: an epoch that expired never takes a value it had before, so a lease taken under an old
 * value can never match it again.
 */
export const BUMP_EPOCHS = defineScript({
  name: "bump-epochs",
  input: { epochs: "keys", startEpoch: "text", epochTtlMs: "number" },
  lua: `
for _, epoch in ipairs(epochs) do
  if redis.call('INCR', epoch) == 1 then redis.call('SET', epoch, startEpoch) end
  redis.call('PEXPIRE', epoch, epochTtlMs)
end
return #epochs`,
  reply: (raw): number | undefined => (typeof raw === "number" ? raw : undefined),
});

/**
 * Revokes every entry of an entity namespace on one node, a batch per call (the fallback when the
 * retry queue cannot hold the revocations it must retry; the caller bumps every bucket epoch
 * first): one SCAN step (`cursor`, keys matching `match`, all under `base`), deleting what it finds
 * except epochs (`e`), write-behind pending counts (`p`) and keys without expiry (queued
 * write-behind values and their index entries); writer sets (`w`) are marked overlapped instead
 * (`markWriters`: the entity is write-through). Takes no KEYS: it runs on each master in turn, and
 * touches only keys SCAN found there. Replies with the next cursor ("0": done) and the value keys
 * deleted.
 */
export const INVALIDATE_NAMESPACE = defineScript({
  name: "invalidate-namespace",
  input: {
    markWriters: "flag",
    cursor: "text",
    match: "text",
    count: "number",
    base: "text",
  },
  lua: `
local step = redis.call('SCAN', cursor, 'MATCH', match, 'COUNT', count)
local dropped = {}
for _, key in ipairs(step[2]) do
  local kind = string.sub(key, 1, #base) == base and string.match(key, '^{[^}]*}:(%a+)', #base + 1)
  if not kind or kind == 'e' or kind == 'p' then
  elseif kind == 'w' then
    if markWriters and redis.call('SCARD', key) > 0 then redis.call('SADD', key, '!') end
  elseif redis.call('PTTL', key) ~= -1 then
    redis.call('DEL', key)
    if kind == 'v' then dropped[#dropped + 1] = key end
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
 * Write-through, after the source write: revokes the lease and writes the value (its tag sets were
 * joined before, its index entries are written after, by the caller: other slots), only when it
 * can tell the value is what the source holds. The writer leaves
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
    payload: "stored",
    pttl: "number",
    version: "text",
    writer: "text",
    writerEpoch: "text",
    proven: "flag",
    returnOld: "flag",
  },
  uses: [LUA_NEWER, LUA_STORED_VERSION, LUA_NEWER_STORED, LUA_STORED_AT],
  lua: `
redis.call('DEL', lease)
local old = stored_at(value) or ''
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
