import { LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL } from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { luaFunction } from "./lua-function.js";
import { LUA_STORED_AT } from "./stored-at.js";
import { LUA_ID_AFTER } from "./write-behind-owner-scripts.js";

/**
 * Scripts that settle a write-behind batch after its source write: acknowledged writes land
 * (ACKNOWLEDGE), failed ones are scheduled again or dead-lettered (FAIL).
 */

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

/** Lua `release_owner(owner, consumer)`: the key is no longer this consumer's to write (nothing of it is queued). */
const LUA_RELEASE_OWNER = luaFunction(
  "release_owner",
  `
local function release_owner(owner, consumer)
  if redis.call('GET', owner) == consumer then redis.call('DEL', owner) end
end`,
);

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
 * What ACKNOWLEDGE and FAIL take of each key's group first, in this order (`scriptKeysOf` on the
 * worker's side): its entry's keys, the stream ids it settles, and the write it made.
 */
const SETTLED_ENTRY = {
  value: "key",
  lease: "key",
  pending: "key",
  owner: "key",
  settled: "key",
  ids: "texts",
  written: "text",
  sha: "text",
} as const;

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
        ...SETTLED_ENTRY,
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
        ...SETTLED_ENTRY,
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
