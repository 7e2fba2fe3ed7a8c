import { NEWER, script } from "./scripts.js";
import { luaPrelude } from "./scripts/lua-function.js";
import { LUA_STORED_KIND, LUA_STORED_VERSION, LUA_WITH_FRESH_UNTIL } from "./stored-value.js";

/**
 * Lua scripts of the write-behind strategy. Each touches keys of one entity only (one hash tag).
 *
 * A value with a write pending is stored without an expiry, and its header's freshUntil is
 * `PENDING_FRESH_UNTIL` (stored-value.ts): readers always take it as fresh, fills never replace it and invalidations
 * keep it (scripts.ts). `p:<key>` counts the key's queue entries not yet written to the source; when
 * the worker acknowledges the last one, the value gets its TTL (counted from the landing).
 */

/** The consumer group every worker of an entity joins. */
export const CONSUMER_GROUP = "cachegen";

/**
 * Lua `release(stream, group, pendingKey, ids)`: acknowledges and deletes queue entries and lowers
 * the key's pending count by the entries actually acknowledged (a second acknowledgement, by another
 * worker, changes nothing). Returns true when this release left nothing pending for the key.
 */
const RELEASE_ENTRIES = `
local function release(stream, group, pk, ids)
  local acked = redis.call('XACK', stream, group, unpack(ids))
  redis.call('XDEL', stream, unpack(ids))
  if acked == 0 then return false end
  if redis.call('DECRBY', pk, acked) > 0 then return false end
  redis.call('DEL', pk)
  return true
end
`;

/**
 * save/delete. KEYS: value, lease, pending count, stream, index keys (ni), tag sets (nt).
 * ARGV: op (s|d), payload, version, encoded key, namespace, keep previous (1|0), ni, nt, index
 * pointer, tag set ttl ms, return old (1|'').
 * With a version: when the cached value is newer, changes nothing. Otherwise writes the value (no
 * expiry), revokes the lease, writes its index entries (no expiry), adds it to its tag sets, counts
 * it pending and appends the queue entry (with the previous value when asked, so the worker can
 * invalidate what it named). Returns {status, old value ('' unless asked for), entry id}: 1 queued,
 * 2 kept newer.
 */
export const ENQUEUE = script("write-behind-enqueue", NEWER + luaPrelude([LUA_STORED_VERSION]) + `
local old = redis.call('GET', KEYS[1]) or ''
if ARGV[3] ~= '' and old ~= '' then
  local cv = stored_version(old)
  if cv and cv ~= '' and newer(cv, ARGV[3]) then return {2, '', ''} end
end
local ni, nt, tagTtl = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[10])
-- SET first: Redis checks maxmemory at a script's first write, and DEL would let an OOM script through.
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
for i = 1, ni do redis.call('SET', KEYS[4 + i], ARGV[9]) end
for i = 1, nt do
  local tk = KEYS[4 + ni + i]
  redis.call('SADD', tk, KEYS[1])
  if redis.call('PTTL', tk) < tagTtl then redis.call('PEXPIRE', tk, tagTtl) end
end
redis.call('INCR', KEYS[3])
local fields = {'op', ARGV[1], 'key', ARGV[4], 'ns', ARGV[5]}
if ARGV[1] == 's' then
  fields[#fields + 1] = 'value'
  fields[#fields + 1] = ARGV[2]
end
if ARGV[6] == '1' and old ~= '' then
  fields[#fields + 1] = 'prev'
  fields[#fields + 1] = old
end
local id = redis.call('XADD', KEYS[4], '*', unpack(fields))
if ARGV[11] == '1' then return {1, old, id} end
return {1, '', id}
`);

/**
 * After the source write. KEYS: stream, then per key: value, lease, pending count, index keys (ni),
 * tag sets (nt). ARGV: group, now ms, key count; per key: entry count n, n entry ids, sha1 of the
 * written payload, fresh ms, value ttl ms, not-found ttl ms (0: not kept), ni, nt.
 * Acknowledges and deletes the entries. When none is left pending for the key, the value lands:
 * it gets its expiry and its header its fresh time (a tombstone is kept only for the not-found
 * ttl); when the value is the payload this worker wrote, its index entries get the expiry too and
 * it is added to its tag sets again (an invalidateTag may have dropped the sets meanwhile). A value
 * that has an expiry was filled from the source while the pending one was missing (evicted): it is
 * dropped, so the next read loads the row just written. Returns per key 1 if it landed, else 0.
 */
export const ACKNOWLEDGE = script("write-behind-ack", RELEASE_ENTRIES + luaPrelude([LUA_STORED_KIND, LUA_WITH_FRESH_UNTIL]) + `
local now = tonumber(ARGV[2])
local k, a = 2, 4
local out = {}
for g = 1, tonumber(ARGV[3]) do
  local vk, lk, pk = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local n = tonumber(ARGV[a])
  local ids = {}
  for i = 1, n do ids[i] = ARGV[a + i] end
  a = a + n + 1
  local sha, fresh, ttl, negativeTtl = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local ni, nt = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  a = a + 6
  local landed = release(KEYS[1], ARGV[1], pk, ids)
  if landed then
    local pttl = redis.call('PTTL', vk)
    if pttl == -1 then
      local v = redis.call('GET', vk)
      local ours = redis.sha1hex(v) == sha
      local kind = stored_kind(v)
      if kind == 'v' then
        redis.call('SET', vk, with_fresh_until(v, now + fresh), 'PX', ttl)
        if ours then
          for i = 1, ni do redis.call('PEXPIRE', KEYS[k + 2 + i], ttl) end
          for i = 1, nt do
            local tk = KEYS[k + 2 + ni + i]
            redis.call('SADD', tk, vk)
            if redis.call('PTTL', tk) < ttl then redis.call('PEXPIRE', tk, ttl) end
          end
        end
      elseif kind == 'n' and negativeTtl > 0 then
        redis.call('SET', vk, with_fresh_until(v, now + negativeTtl), 'PX', negativeTtl)
      else
        redis.call('DEL', vk)
      end
    elseif pttl > 0 then
      redis.call('DEL', vk, lk)
    end
  end
  out[g] = landed and 1 or 0
  k = k + 3 + ni + nt
end
return out
`);

/**
 * After a failed source write. KEYS: stream, dead-letter stream, then per key: value, lease,
 * pending count, index keys (ni). ARGV: group, key count; per key: entry count n, n entry ids, id
 * of the entry that was written, sha1 of its payload, error text, attempt limit, ni.
 * Attempts are the highest delivery count among the key's entries. Below the limit nothing changes
 * and the attempts are returned (the worker retries later). At the limit the written entry is
 * copied to the dead-letter stream (with the error, attempts and its original id), the entries are
 * acknowledged and deleted, and when none is left pending the value is dropped (it will never
 * reach the source); returns 0. Returns -1 when no entry is pending any more (another worker
 * settled them).
 */
export const FAIL = script("write-behind-fail", RELEASE_ENTRIES + `
local k, a = 3, 3
local out = {}
for g = 1, tonumber(ARGV[2]) do
  local vk, lk, pk = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local n = tonumber(ARGV[a])
  local ids = {}
  for i = 1, n do ids[i] = ARGV[a + i] end
  a = a + n + 1
  local written, sha, err, limit, ni = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  a = a + 5
  local attempts = -1
  for _, id in ipairs(ids) do
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1]
    if p and p[4] > attempts then attempts = p[4] end
  end
  if attempts >= 0 and attempts >= limit then
    local entry = redis.call('XRANGE', KEYS[1], written, written)[1]
    -- XACK first: Redis checks maxmemory at a script's first write, and a dead letter must get out.
    local landed = release(KEYS[1], ARGV[1], pk, ids)
    if entry then
      local fields = entry[2]
      for _, f in ipairs({'id', written, 'error', err, 'attempts', tostring(attempts)}) do fields[#fields + 1] = f end
      redis.call('XADD', KEYS[2], '*', unpack(fields))
    end
    if landed and redis.call('PTTL', vk) == -1 then
      if redis.sha1hex(redis.call('GET', vk)) == sha then
        for i = 1, ni do redis.call('DEL', KEYS[k + 2 + i]) end
      end
      redis.call('DEL', vk, lk)
    end
    attempts = 0
  end
  out[g] = attempts
  k = k + 3 + ni
end
return out
`);

/** KEYS[1] value. Returns the value when its write is pending (no expiry), else nil. */
export const PENDING_VALUE = script("write-behind-pending-value", `
if redis.call('PTTL', KEYS[1]) == -1 then return redis.call('GET', KEYS[1]) end
return false
`);

/**
 * KEYS[1] stream. ARGV: group, consumer. Removes a stopping worker's consumer from the group, only
 * when it holds no entries (deleting a consumer discards its pending entries). Returns 1 if removed.
 */
export const LEAVE_GROUP = script("write-behind-leave", `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`);
