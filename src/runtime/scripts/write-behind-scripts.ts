import { replyBytes } from "../replies.js";
import {
  LUA_NEWER,
  LUA_NEWER_STORED,
  LUA_STORED_KIND,
  LUA_STORED_VERSION,
  LUA_WITH_FRESH_UNTIL,
} from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { luaFunction } from "./lua-function.js";
import { LUA_STORED_AT } from "./stored-at.js";

/**
 * Scripts of the write-behind strategy. A value with a write queued is stored without an expiry,
 * and its header's freshUntil is PENDING_FRESH_UNTIL: readers always take it as fresh, fills never
 * replace it and invalidations keep it. `pending` (per key) counts the key's queue entries not yet
 * written to the source; when the worker acknowledges the last one, the value gets its TTL
 * (counted from the landing).
 */

/** A reply of one 1/0 per entry, as booleans. */
function perEntry(raw: unknown): boolean[] | undefined {
  return Array.isArray(raw) ? raw.map((flag) => Number(flag) === 1) : undefined;
}

/** The `op` field of a queue entry (entries outlive deploys: these letters never change). */
export const QUEUE_OP = { save: "s", delete: "d" } as const;

/**
 * Lua `id_after(a, b)`: whether stream id `a` comes after stream id `b`.
 */
const LUA_ID_AFTER = luaFunction(
  "id_after",
  `
local function id_after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end`,
);

/**
 * Lua `settle_entries(stream, group, pending, settled, ids, newest)`: acknowledges and deletes queue
 * entries and lowers the key's pending count by the entries actually acknowledged (a second
 * acknowledgement, by another worker, changes nothing). Returns true when this left nothing pending
 * for the key (its `settled` key goes too); else `settled` keeps the newest id settled so far
 * (`newest`, the entry written or dead-lettered): an older entry of the key still queued elsewhere
 * is superseded (see OWN).
 */
const LUA_SETTLE_ENTRIES = luaFunction(
  "settle_entries",
  `
local function settle_entries(stream, group, pending, settled, ids, newest)
  local acked = redis.call('XACK', stream, group, unpack(ids))
  redis.call('XDEL', stream, unpack(ids))
  if acked == 0 then return false end
  if redis.call('DECRBY', pending, acked) > 0 then
    local through = redis.call('GET', settled)
    if not through or id_after(newest, through) then redis.call('SET', settled, newest) end
    return false
  end
  redis.call('DEL', pending, settled)
  return true
end`,
  [LUA_ID_AFTER],
);

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

/** Lua `release_owner(owner, consumer)`: the key is no longer this consumer's to write (nothing of it is queued). */
const LUA_RELEASE_OWNER = luaFunction(
  "release_owner",
  `
local function release_owner(owner, consumer)
  if redis.call('GET', owner) == consumer then redis.call('DEL', owner) end
end`,
);

/** What OWN answers per key: written by this worker, handed to the owner, or superseded (acknowledged unwritten). */
export type Ownership = "handed" | "owned" | "superseded";
const OWNERSHIP: readonly Ownership[] = ["handed", "owned", "superseded"];

/**
 * Per-key order across workers: one worker at a time writes a key, the one named by its owner key.
 * Per key of a batch: when no worker owns it, this one does, or already did, or took its entries
 * over from a dead worker (`steal`), the owner key names this consumer (for `ttl`) and replies 1;
 * else its entries are handed to the owner (XCLAIM to it: the owner writes them after what it holds,
 * in order) and replies 0. An owned key whose newest entry here (`newest`) is not after the newest
 * one already settled (its `settled` key, see settle_entries) replies 2: these entries were read
 * before a later write of the key, which another worker owned and wrote first; they are superseded
 * and never written. The owner gives the key up once nothing of it is queued (acknowledge,
 * dead letter), and renews it while it holds any (`RENEW_OWNERS`). The batch's entries are first
 * claimed again by this consumer (JUSTID: delivery counts unchanged): that write makes the script
 * dirty, so Redis lets its SETs through under maxmemory (a full queue must still drain).
 */
export const OWN = defineScript({
  name: "write-behind-own",
  input: {
    stream: "key",
    group: "text",
    consumer: "text",
    ttl: "number",
    ids: "texts",
    entries: { each: { owner: "key", settled: "key", ids: "texts", newest: "text", steal: "flag" } },
  },
  uses: [LUA_ID_AFTER],
  lua: `
local function claim_for(who, list)
  for i = 1, #list, 1000 do
    local args = {stream, group, who, 0}
    for j = i, math.min(i + 999, #list) do args[#args + 1] = list[j] end
    args[#args + 1] = 'JUSTID'
    redis.call('XCLAIM', unpack(args))
  end
end
claim_for(consumer, ids)
local out = {}
for g, e in ipairs(entries) do
  local current = redis.call('GET', e.owner)
  if not current or current == consumer or e.steal then
    redis.call('SET', e.owner, consumer, 'PX', ttl)
    local through = redis.call('GET', e.settled)
    out[g] = (through and not id_after(e.newest, through)) and 2 or 1
  else
    claim_for(current, e.ids)
    out[g] = 0
  end
end
return out`,
  reply: (raw): Ownership[] | undefined =>
    Array.isArray(raw) ? raw.map((flag) => OWNERSHIP[Number(flag)] ?? "handed") : undefined,
});

/** Renews the owner keys this consumer still holds; replies per key whether it does. */
export const RENEW_OWNERS = defineScript({
  name: "write-behind-renew-owners",
  input: { owners: "keys", consumer: "text", ttl: "number" },
  lua: `
local out = {}
for i, owner in ipairs(owners) do
  if redis.call('GET', owner) == consumer then
    redis.call('PEXPIRE', owner, ttl)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`,
  reply: perEntry,
});

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

/** What the acknowledgement of one key did (see ACKNOWLEDGE). */
export interface Landing {
  /** Nothing of the key is pending any more. */
  readonly landed: boolean;
  /** The pending value was still there (a value or a tombstone): it got its expiry, or `mode` applied. */
  readonly pendingValue: boolean;
  /** The pending value was the payload this worker wrote (`sha`): its index entries are this write's. */
  readonly written: boolean;
}

/**
 * After the source write, per key: acknowledges and deletes its entries. When none is left pending,
 * the value lands: it gets its expiry and its header its fresh time (a tombstone is kept only for
 * `negativeTtl`, 0: dropped). A value that has an expiry was filled from the source while the
 * pending one was missing (evicted): it is dropped, so the next read loads the row just written. A
 * saved value lands by `mode`: 0 as above; 1 revoked instead (a versioned write the source may have
 * refused, see the worker); 2 replaced by `kept`, the row the source answered (stored with its
 * expiry). Index entries and tag sets are in other slots: the worker joins the tag sets before and
 * fixes the index entries after, by what this replies per key (`Landing`).
 */
export const ACKNOWLEDGE = defineScript({
  name: "write-behind-ack",
  input: {
    stream: "key",
    group: "text",
    consumer: "text",
    now: "number",
    entries: {
      each: {
        value: "key",
        lease: "key",
        pending: "key",
        owner: "key",
        settled: "key",
        ids: "texts",
        written: "text",
        sha: "text",
        fresh: "number",
        ttl: "number",
        negativeTtl: "number",
        mode: "number",
        kept: "stored",
      },
    },
  },
  uses: [LUA_SETTLE_ENTRIES, LUA_RELEASE_OWNER, LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL, LUA_STORED_AT],
  lua: `
local out = {}
for g, e in ipairs(entries) do
  local landed = settle_entries(stream, group, e.pending, e.settled, e.ids, e.written)
  local flags = 0
  if landed then
    flags = 1
    release_owner(e.owner, consumer)
    local pttl = redis.call('PTTL', e.value)
    if pttl == -1 then
      local v = stored_at(e.value)
      local kind = v and stored_kind(v)
      local value = kind == 'v' or kind == 'c'
      if value then
        flags = flags + 2
        if redis.sha1hex(v) == e.sha then flags = flags + 4 end
      end
      if value and e.mode == 1 then
        redis.call('DEL', e.value, e.lease)
      elseif value and e.mode == 2 then
        redis.call('SET', e.value, e.kept, 'PX', e.ttl)
      elseif value then
        redis.call('SET', e.value, with_fresh_until(v, now + e.fresh), 'PX', e.ttl)
      elseif kind == 'n' and e.negativeTtl > 0 then
        redis.call('SET', e.value, with_fresh_until(v, now + e.negativeTtl), 'PX', e.negativeTtl)
      else
        redis.call('DEL', e.value)
      end
    elseif pttl > 0 then
      redis.call('DEL', e.value, e.lease)
    end
  end
  out[g] = flags
end
return out`,
  reply: (raw): Landing[] | undefined =>
    Array.isArray(raw)
      ? raw.map((flags) => {
          const n = Number(flags);
          return { landed: (n & 1) === 1, pendingValue: (n & 2) === 2, written: (n & 4) === 4 };
        })
      : undefined,
});

/**
 * After a failed source write, per key: its attempts are the highest delivery count of its entries.
 * Below `limit`, nothing changes and the attempts are returned (the worker retries later). At the
 * limit the written entry is copied to the dead-letter stream (with the error, attempts and its
 * original id), the entries are acknowledged and deleted, and when none is left pending the value
 * is dropped (it will never reach the source); replies 0. Replies -1 when no entry is pending any
 * more (another worker settled them). Each reply is `{attempts, dropIndexes}`: 1 when the dropped
 * value was the one this worker wrote, whose index entries (other slots) the worker then deletes.
 */
export const FAIL = defineScript({
  name: "write-behind-fail",
  input: {
    stream: "key",
    deadLetters: "key",
    group: "text",
    consumer: "text",
    entries: {
      each: {
        value: "key",
        lease: "key",
        pending: "key",
        owner: "key",
        settled: "key",
        ids: "texts",
        written: "text",
        sha: "text",
        error: "text",
        limit: "number",
      },
    },
  },
  uses: [LUA_SETTLE_ENTRIES, LUA_RELEASE_OWNER, LUA_STORED_AT],
  lua: `
local out = {}
for g, e in ipairs(entries) do
  local dropIndexes = 0
  local attempts = -1
  for _, id in ipairs(e.ids) do
    local p = redis.call('XPENDING', stream, group, id, id, 1)[1]
    if p and p[4] > attempts then attempts = p[4] end
  end
  if attempts >= 0 and attempts >= e.limit then
    local entry = redis.call('XRANGE', stream, e.written, e.written)[1]
    -- XACK first: Redis checks maxmemory at a script's first write, and a dead letter must get out.
    local landed = settle_entries(stream, group, e.pending, e.settled, e.ids, e.written)
    if entry then
      local fields = entry[2]
      for _, f in ipairs({'id', e.written, 'error', e.error, 'attempts', tostring(attempts)}) do fields[#fields + 1] = f end
      redis.call('XADD', deadLetters, '*', unpack(fields))
    end
    if landed then release_owner(e.owner, consumer) end
    if landed and redis.call('PTTL', e.value) == -1 then
      local v = stored_at(e.value)
      if v and redis.sha1hex(v) == e.sha then dropIndexes = 1 end
      redis.call('DEL', e.value, e.lease)
    end
    attempts = 0
  end
  out[g] = {attempts, dropIndexes}
end
return out`,
  reply: (raw): { readonly attempts: number; readonly dropIndexes: boolean }[] | undefined =>
    Array.isArray(raw)
      ? raw.map((pair) => ({
          attempts: Array.isArray(pair) ? Number(pair[0]) : -1,
          dropIndexes: Array.isArray(pair) && Number(pair[1]) === 1,
        }))
      : undefined,
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
 * Removes a stopping worker's consumer from the group, only when it holds no entries (deleting a
 * consumer discards its pending entries). Replies whether it was removed.
 */
export const LEAVE_GROUP = defineScript({
  name: "write-behind-leave",
  input: { stream: "key", group: "text", consumer: "text" },
  lua: `
if #redis.call('XPENDING', stream, group, '-', '+', 1, consumer) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', stream, group, consumer)
return 1`,
  reply: (raw): boolean => Number(raw) === 1,
});
