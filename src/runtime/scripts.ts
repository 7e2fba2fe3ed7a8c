import { createHash } from "node:crypto";
import { luaPrelude } from "./scripts/lua-function.js";
import { LUA_STORED_VERSION } from "./stored-value.js";

/**
 * Lua scripts. Each touches only keys of one entity (one hash tag, so one cluster slot); keys an
 * entry refers to (index pointer -> value, tag set -> members) are re-checked to start with the
 * entity's own prefix before they are touched, so tampered data cannot reach other slots.
 *
 * Leases: the lease value is `<token>|<epoch>`, where epoch is the entity's tag epoch when the lease
 * was taken. A fill succeeds only while the lease still holds exactly that (token and epoch), so
 * `invalidate` (deletes the lease) and `invalidateTag` (bumps the epoch) both revoke in-flight fills.
 *
 * Pending writes: every value is written with an expiry except a write-behind value whose queued
 * write has not reached the source yet (write-behind-scripts.ts). So `PTTL == -1` marks a value that
 * is newer than the source: fills never replace it and invalidations keep it.
 */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function script(name: string, source: string): Script {
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}

/** Lua `newer(a, b)`: whether version text a is newer than b (digit strings of any length, or numbers). */
export const NEWER = `
local function newer(a, b)
  if string.match(a, '^%d+$') and string.match(b, '^%d+$') then
    a = (string.gsub(a, '^0+(%d)', '%1'))
    b = (string.gsub(b, '^0+(%d)', '%1'))
    if #a ~= #b then return #a > #b end
    return a > b
  end
  local x, y = tonumber(a), tonumber(b)
  if x == nil or y == nil then return false end
  return x > y
end
`;

/**
 * KEYS[1] epoch, then (value, lease) pairs. ARGV[1] lease ttl ms, ARGV[2] mode, ARGV[3..] tokens.
 * mode g: return the value if present, else take the lease (NX) or report a holder.
 * mode r: take the lease if free (background refresh), else report a holder.
 * mode f: take the lease unconditionally (refresh: revokes the current holder's fill).
 * Per pair: {'v', value} | {'l'} | {'w'}.
 */
export const ACQUIRE = script("acquire", `
local epoch = redis.call('GET', KEYS[1]) or '0'
local out = {}
local n = (#KEYS - 1) / 2
for i = 1, n do
  local vk, lk = KEYS[2 * i], KEYS[2 * i + 1]
  local tok = ARGV[2 + i] .. '|' .. epoch
  local v = false
  if ARGV[2] == 'g' then v = redis.call('GET', vk) end
  if v then
    out[i] = {'v', v}
  elseif ARGV[2] == 'f' then
    redis.call('SET', lk, tok, 'PX', ARGV[1])
    out[i] = {'l'}
  elseif redis.call('SET', lk, tok, 'NX', 'PX', ARGV[1]) then
    out[i] = {'l'}
  else
    out[i] = {'w'}
  end
end
return out
`);

/**
 * KEYS[1] epoch; per entry: value, lease, index keys (ni), tag set keys (nt).
 * ARGV[1] entry count; per entry: token, payload, pttl, ni, nt, index pointer.
 * Writes an entry only while its lease is still `<token>|<current epoch>` and the value has no write
 * pending (an empty payload deletes the value: a reload found nothing and not-found is not cached).
 * Returns 1/0 per entry.
 */
export const FILL = script("fill", `
local epoch = redis.call('GET', KEYS[1]) or '0'
local k, a = 2, 2
local out = {}
for e = 1, tonumber(ARGV[1]) do
  local vk, lk = KEYS[k], KEYS[k + 1]
  local tok, payload, pttl = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local ni, nt, ptr = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5]
  a = a + 6
  if redis.call('GET', lk) == tok .. '|' .. epoch and redis.call('PTTL', vk) ~= -1 then
    if payload == '' then redis.call('DEL', vk) else redis.call('SET', vk, payload, 'PX', pttl) end
    redis.call('DEL', lk)
    for i = 1, ni do redis.call('SET', KEYS[k + 1 + i], ptr, 'PX', pttl) end
    for i = 1, nt do
      local tk = KEYS[k + 1 + ni + i]
      redis.call('SADD', tk, vk)
      if redis.call('PTTL', tk) < pttl then redis.call('PEXPIRE', tk, pttl) end
    end
    out[e] = 1
  else
    out[e] = 0
  end
  k = k + 2 + ni + nt
end
return out
`);

/**
 * KEYS: ARGV[1] (value, lease) pairs, then extra keys to delete (index entries).
 * Deletes values and leases together (revoking in-flight fills); returns the old values ('' if none).
 * A value with a write pending is kept (it is newer than the source) and reported as ''.
 */
export const INVALIDATE = script("invalidate", `
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
  local vk = KEYS[2 * i - 1]
  if redis.call('PTTL', vk) == -1 then
    out[i] = ''
    redis.call('DEL', KEYS[2 * i])
  else
    out[i] = redis.call('GET', vk) or ''
    redis.call('DEL', vk, KEYS[2 * i])
  end
end
for i = 2 * n + 1, #KEYS do redis.call('DEL', KEYS[i]) end
return out
`);

/**
 * Write-through put. KEYS: value, lease, writers set, index keys (ni), tag set keys (nt).
 * ARGV: payload, pttl, version, writer token, ni, nt, index pointer, return old (1|'').
 * Revokes the lease. With a version: keeps the current value when its version is newer.
 * With a writer token (no versionField): when other writers overlapped, drops the value instead
 * (racing writes fall back to invalidation).
 * Returns {status, old}: 1 written, 2 kept newer, 0 dropped; old is '' unless asked for (the
 * caller needs it only for stale index entries and `invalidates` targets).
 */
export const PUT = script("put", NEWER + luaPrelude([LUA_STORED_VERSION]) + `
redis.call('DEL', KEYS[2])
local old = redis.call('GET', KEYS[1]) or ''
local function out(status)
  if ARGV[8] == '1' then return {status, old} end
  return {status, ''}
end
local pttl = tonumber(ARGV[2])
if ARGV[4] ~= '' then
  redis.call('SREM', KEYS[3], ARGV[4])
  local others = redis.call('SCARD', KEYS[3])
  local conflict = redis.call('SISMEMBER', KEYS[3], '!') == 1
  if conflict then others = others - 1 end
  if others > 0 then
    redis.call('DEL', KEYS[1])
    redis.call('SADD', KEYS[3], '!')
    return out(0)
  elseif conflict then
    redis.call('DEL', KEYS[1], KEYS[3])
    return out(0)
  end
end
if ARGV[3] ~= '' and old ~= '' then
  local cv = stored_version(old)
  if cv and cv ~= '' and newer(cv, ARGV[3]) then return out(2) end
end
local ni, nt = tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('SET', KEYS[1], ARGV[1], 'PX', pttl)
for i = 1, ni do redis.call('SET', KEYS[3 + i], ARGV[7], 'PX', pttl) end
for i = 1, nt do
  local tk = KEYS[3 + ni + i]
  redis.call('SADD', tk, KEYS[1])
  if redis.call('PTTL', tk) < pttl then redis.call('PEXPIRE', tk, pttl) end
end
return out(1)
`);

/** KEYS[1] writers set. ARGV: token, ttl ms. Registers an in-flight write-through writer. */
export const MARK_WRITER = script("mark-writer", `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * KEYS[1] epoch, KEYS[2..] tag sets. ARGV: value prefix, lease prefix, now (µs), epoch ttl (ms).
 * Bumps the epoch (revoking every in-flight fill of the entity), deletes each member value and its
 * lease, then the sets. Members with a write pending are kept (the write-behind worker adds them to
 * their tag sets again when the write lands). Returns the deleted value keys.
 * The epoch expires `epoch ttl` after its last bump (a namespace left by an old deploy leaves no key
 * behind). A missing epoch starts from the caller's clock in µs, not from 1: an epoch that expired
 * never takes a value it had before (that would need more than one bump per µs over its life), so a
 * lease taken under an old value can never match it again.
 */
export const INVALIDATE_TAG = script("invalidate-tag", `
if redis.call('INCR', KEYS[1]) == 1 then redis.call('SET', KEYS[1], ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local out = {}
local vp, lp = ARGV[1], ARGV[2]
for i = 2, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for _, m in ipairs(members) do
    if #m > #vp and string.sub(m, 1, #vp) == vp and redis.call('PTTL', m) ~= -1 then
      redis.call('DEL', m, lp .. string.sub(m, #vp + 1))
      out[#out + 1] = m
    end
  end
  redis.call('DEL', KEYS[i])
end
return out
`);

/** KEYS[1] value. ARGV[1] sha1 of the bytes read. Deletes an invalid value unless it changed since. */
export const DELETE_IF_SAME = script("delete-if-same", `
local v = redis.call('GET', KEYS[1])
if v and redis.sha1hex(v) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`);

/** KEYS[1] lease. ARGV[1] token. Releases a lease we still hold (after a failed load). */
export const RELEASE = script("release", `
local l = redis.call('GET', KEYS[1])
if l and string.sub(l, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then redis.call('DEL', KEYS[1]) return 1 end
return 0
`);

/** KEYS[1] index entry. ARGV[1] value prefix. Returns {pointer, value|''} or nil: one round trip. */
export const INDEX_GET = script("index-get", `
local p = redis.call('GET', KEYS[1])
if not p then return nil end
if string.find(p, '{', 1, true) or string.find(p, '}', 1, true) then return {p, ''} end
return {p, redis.call('GET', ARGV[1] .. p) or ''}
`);

/** The minimal structural client the runtime talks to (ioredis 5 and 6, standalone and Cluster). */
export interface CommandClient {
  status: string;
  isCluster?: boolean;
  getBuffer(key: string): Promise<Buffer | null>;
  mgetBuffer(keys: string[]): Promise<(Buffer | null)[]>;
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  call(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  duplicate(): CommandClient;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  subscribe(...channels: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  connect?(): Promise<void>;
  disconnect(): void;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/** EVALSHA, falling back to EVAL (which also loads the script) on NOSCRIPT. Replies as Buffers. */
export async function runScript(
  client: CommandClient,
  s: Script,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
): Promise<unknown> {
  try {
    return await client.callBuffer("EVALSHA", s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return client.callBuffer("EVAL", s.source, keys.length, ...keys, ...args);
  }
}
