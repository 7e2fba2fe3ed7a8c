import { replyBytes } from "../replies.js";
import { LUA_NEWER, LUA_NEWER_STORED, LUA_STORED_VERSION } from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { luaFunction } from "./lua-function.js";
import { LUA_STORED_AT } from "./stored-at.js";

/**
 * Scripts of the write-behind queue: what a save or delete writes, what a dead letter replayed
 * writes again, and the value while its write is queued (the worker's scripts: write-behind-owner-
 * scripts.ts, write-behind-settle-scripts.ts). A value with a write queued is stored without an expiry,
 * and its header's freshUntil is PENDING_FRESH_UNTIL: readers always take it as fresh, fills never
 * replace it and invalidations keep it. `pending` (per key) counts the key's queue entries not yet
 * written to the source; when the worker acknowledges the last one, the value gets its TTL
 * (counted from the landing).
 */

/** The `op` field of a queue entry (entries outlive deploys: these letters never change). */
export const QUEUE_OP = { save: "s", delete: "d" } as const;

/**
 * Lua `append_entry(stream, group, fields)`: XADD, creating the stream with its consumer group when
 * there is none, so a worker started later never has to create it (which Redis refuses at maxmemory).
 */
const LUA_APPEND_ENTRY = luaFunction(
  "append_entry",
  `
local function append_entry(stream, group, fields)
  if redis.call('EXISTS', stream) == 0 then redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM') end
  return redis.call('XADD', stream, '*', unpack(fields))
end`,
);

/**
 * save/delete: with a `version`, a cached value that is newer changes nothing. Otherwise writes the
 * value (no expiry), revokes the lease, counts it pending and appends the queue entry `{op, key, ns, value[, over][, prev]}` (`over`: a versioned
 * save replaced a cached value of an older version, the proof that lets it stay cached once it lands
 * when the source answers nothing; `prev`, the value replaced, when `keepPrevious`: the worker then
 * drops what it named). Replies queued (with the replaced value when `returnOld`, and the entry id)
 * or kept-newer. Value, lease, pending count and stream (the key's partition) share the key's bucket
 * slot; the caller joins the tag sets before and writes the index entries (no expiry) after.
 */
export const ENQUEUE = defineScript({
  name: "write-behind-enqueue",
  input: {
    value: "key",
    lease: "key",
    pending: "key",
    stream: "key",
    group: "text",
    op: "text",
    payload: "stored",
    version: "text",
    encodedKey: "text",
    namespace: "text",
    keepPrevious: "flag",
    returnOld: "flag",
  },
  uses: [LUA_NEWER, LUA_STORED_VERSION, LUA_NEWER_STORED, LUA_APPEND_ENTRY, LUA_STORED_AT],
  lua: `
local old = stored_at(value) or ''
if newer_stored(old, version) then return {2, '', ''} end
local current = old ~= '' and stored_version(old) or nil
local over = version ~= '' and current ~= nil and current ~= '' and newer(version, current)
-- SET first: Redis checks maxmemory at a script's first write, and DEL would let an OOM script through.
redis.call('SET', value, payload)
redis.call('DEL', lease)
redis.call('INCR', pending)
local fields = {'op', op, 'key', encodedKey, 'ns', namespace}
if op == '${QUEUE_OP.save}' then
  fields[#fields + 1] = 'value'
  fields[#fields + 1] = payload
  if over then
    fields[#fields + 1] = 'over'
    fields[#fields + 1] = '1'
  end
end
if keepPrevious and old ~= '' then
  fields[#fields + 1] = 'prev'
  fields[#fields + 1] = old
end
local id = append_entry(stream, group, fields)
if returnOld then return {1, old, id} end
return {1, '', id}`,
  reply: (
    raw,
  ):
    { readonly status: "queued"; readonly old: Buffer | undefined } | { readonly status: "kept-newer" } | undefined => {
    if (!Array.isArray(raw)) return undefined;
    return Number(raw[0]) === 1 ? { status: "queued", old: replyBytes(raw[1]) } : { status: "kept-newer" };
  },
});

/** The value when its write is still queued (no expiry), else null. */
export const PENDING_VALUE = defineScript({
  name: "write-behind-pending-value",
  input: { value: "key" },
  uses: [LUA_STORED_AT],
  lua: `
if redis.call('PTTL', value) ~= -1 then return false end
local v = stored_at(value)
return v`,
  reply: (raw): Buffer | null => replyBytes(raw) ?? null,
});

/**
 * Puts dead letters back in the queue, per entry (by its dead-letter id): unless a newer value of its
 * key is cached (with a version; the source would refuse the older write) or, without a version, a
 * write of its key is queued (made after it was dead-lettered, so newer), its value (or
 * `tombstone`) is cached as a queued write (no expiry), its key counted pending and a queue entry
 * `{op, key, ns[, value][, prev]}` appended after whatever is queued; the dead letter is deleted
 * either way. An entry already gone (replayed by someone else) is skipped. Index entries and tag
 * sets are not written again: a read by index loads from the source and prefers the queued value,
 * and the landing joins the tag sets. Replies how many dead letters were taken.
 */
export const REPLAY = defineScript({
  name: "write-behind-replay",
  input: {
    stream: "key",
    deadLetters: "key",
    group: "text",
    tombstone: "stored",
    entries: { each: { value: "key", lease: "key", pending: "key", id: "text" } },
  },
  uses: [LUA_NEWER_STORED, LUA_STORED_VERSION, LUA_APPEND_ENTRY, LUA_STORED_AT],
  lua: `
local taken = 0
for _, e in ipairs(entries) do
  local entry = redis.call('XRANGE', deadLetters, e.id, e.id)[1]
  if entry then
    local f = {}
    local flat = entry[2]
    for i = 1, #flat, 2 do f[flat[i]] = flat[i + 1] end
    local stored = f.value or tombstone
    local version = ''
    if f.value then version = stored_version(f.value) or '' end
    -- Without a version, a write of the key queued since (its pending count) is the newer one.
    local superseded = version == '' and tonumber(redis.call('GET', e.pending) or '0') > 0
    if not superseded and not newer_stored(stored_at(e.value) or '', version) then
      -- SET first: Redis checks maxmemory at a script's first write, and XDEL would let an OOM script through.
      redis.call('SET', e.value, stored)
      redis.call('DEL', e.lease)
      redis.call('INCR', e.pending)
      local fields = {'op', f.op, 'key', f.key, 'ns', f.ns}
      if f.value then
        fields[#fields + 1] = 'value'
        fields[#fields + 1] = f.value
      end
      if f.prev then
        fields[#fields + 1] = 'prev'
        fields[#fields + 1] = f.prev
      end
      append_entry(stream, group, fields)
    end
    redis.call('XDEL', deadLetters, e.id)
    taken = taken + 1
  end
end
return taken`,
  reply: (raw): number | undefined => (typeof raw === "number" ? raw : undefined),
});
