import { replyBytes, replyFlags, replyText } from "../replies.js";
import { defineScript } from "./define-script.js";
import { luaFunction } from "./lua-function.js";
import { LUA_STORED_AT } from "./stored-at.js";
import { LUA_JOIN_TAG_SETS } from "./tag-sets.js";

/**
 * Scripts of the read path: leases (acquire, fill, release) and deleting an invalid value. The
 * lease value is `<token>|<epoch>`, where epoch is the tag epoch of the entry's bucket when the
 * lease was taken: a fill succeeds only while the lease still holds exactly that, so deleting the
 * lease (an invalidation or write) and bumping the epoch (`invalidateTag`) both revoke it. Each
 * entry names its own bucket's epoch; every key of one entry is in the entry's bucket (one slot).
 *
 * Every value is written with an expiry except a write-behind value whose queued write has not
 * reached the source yet: `PTTL == -1` marks a value newer than the source, which no fill replaces.
 */

/**
 * How a lease is asked for: `read` (a miss: the value if someone filled it meanwhile, else the
 * lease if free), `stale` (a background refresh: the lease if free), `force` (refresh(): the lease
 * whoever holds it, revoking the holder's fill).
 */
export type LeaseMode = "read" | "stale" | "force";

/**
 * Per key: the value found (mode read), the lease taken, or held by someone else. `deleted`: the
 * Redis type of a key of another type found where the value belongs, deleted (see `stored_at`).
 */
export type LeaseOutcome =
  | { readonly kind: "value"; readonly stored: Buffer | undefined }
  | { readonly kind: "leased"; readonly deleted?: string }
  | { readonly kind: "held-elsewhere"; readonly deleted?: string };

function leaseOutcome(reply: unknown): LeaseOutcome {
  const [tag, second] = Array.isArray(reply) ? reply : [];
  const kind = tag === undefined ? "" : replyText(tag);
  if (kind === "v") return { kind: "value", stored: replyBytes(second) };
  const deleted = second === undefined || second === null ? undefined : replyText(second);
  return { kind: kind === "l" ? "leased" : "held-elsewhere", ...(deleted ? { deleted } : {}) };
}

export const ACQUIRE = defineScript({
  name: "acquire",
  input: {
    leaseTtlMs: "number",
    mode: "text",
    entries: { each: { value: "key", lease: "key", epoch: "key", token: "text" } },
  },
  uses: [LUA_STORED_AT],
  lua: `
local out = {}
for i, e in ipairs(entries) do
  local held = e.token .. '|' .. (redis.call('GET', e.epoch) or '0')
  local v, deleted = false, nil
  if mode == 'read' then v, deleted = stored_at(e.value) end
  if v then
    out[i] = {'v', v}
  elseif mode == 'force' then
    redis.call('SET', e.lease, held, 'PX', leaseTtlMs)
    out[i] = {'l', deleted}
  elseif redis.call('SET', e.lease, held, 'NX', 'PX', leaseTtlMs) then
    out[i] = {'l', deleted}
  else
    out[i] = {'w', deleted}
  end
end
return out`,
  reply: (raw): LeaseOutcome[] | undefined => (Array.isArray(raw) ? raw.map(leaseOutcome) : undefined),
});

/**
 * Writes each entry's value only while its lease is still `<token>|<current epoch of its bucket>`
 * and its value has no write pending, then deletes the lease. An empty payload deletes the value
 * instead (a reload found nothing and not-found is not remembered). Replies per entry whether it
 * was written; a lease still this token's under an older epoch is released. Index entries and tag sets live in other slots: the caller joins the tag sets before
 * (so an invalidateTag that misses the member revokes this fill through the epoch) and writes the
 * index entries after (a pointer is checked against its value on read).
 */
export const FILL = defineScript({
  name: "fill",
  input: {
    entries: {
      each: { value: "key", lease: "key", epoch: "key", token: "text", payload: "stored", pttl: "number" },
    },
  },
  lua: `
local out = {}
for i, e in ipairs(entries) do
  local held = redis.call('GET', e.lease)
  if held == e.token .. '|' .. (redis.call('GET', e.epoch) or '0') and redis.call('PTTL', e.value) ~= -1 then
    if e.payload == '' then redis.call('DEL', e.value) else redis.call('SET', e.value, e.payload, 'PX', e.pttl) end
    redis.call('DEL', e.lease)
    out[i] = 1
  else
    -- Still ours under an older epoch (an invalidateTag revoked it): released, so readers need not wait it out.
    if held and string.sub(held, 1, #e.token + 1) == e.token .. '|' then redis.call('DEL', e.lease) end
    out[i] = 0
  end
end
return out`,
  reply: replyFlags,
});

/** Lua `held_by(lease, token)`: whether the lease key still holds this token's lease (any epoch). */
const LUA_HELD_BY = luaFunction(
  "held_by",
  `
local function held_by(lease, token)
  local l = redis.call('GET', lease)
  return l and string.sub(l, 1, #token + 1) == token .. '|'
end`,
);

/** Releases a lease this token still holds (after a failed load). */
export const RELEASE = defineScript({
  name: "release",
  input: { lease: "key", token: "text" },
  uses: [LUA_HELD_BY],
  lua: `
if held_by(lease, token) then redis.call('DEL', lease) return 1 end
return 0`,
  reply: (raw): boolean => Number(raw) === 1,
});

/**
 * Extends the leases these tokens still hold to `leaseTtlMs` from now (a load that outlasts the
 * lease TTL keeps its lease while its holder lives); replies per entry whether it still held.
 */
export const RENEW_LEASES = defineScript({
  name: "renew-leases",
  input: { leaseTtlMs: "number", entries: { each: { lease: "key", token: "text" } } },
  uses: [LUA_HELD_BY],
  lua: `
local out = {}
for i, e in ipairs(entries) do
  if held_by(e.lease, e.token) then
    redis.call('PEXPIRE', e.lease, leaseTtlMs)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`,
  reply: replyFlags,
});

/**
 * Adds each member to its tag set and extends the set's expiry to at least `ttl` ms (a set lives as
 * long as its longest-lived member). Sent before the write that caches the member.
 */
export const JOIN_TAG_SETS = defineScript({
  name: "join-tag-sets",
  input: { entries: { each: { set: "key", member: "text", ttl: "number" } } },
  uses: [LUA_JOIN_TAG_SETS],
  lua: `
for _, e in ipairs(entries) do join_tag_sets({e.set}, e.member, e.ttl) end
return #entries`,
  reply: (raw): number | undefined => (typeof raw === "number" ? raw : undefined),
});

/**
 * Writes one index entry (`tag` false: SET to `member`, with `ttl` ms of expiry, none when 0) or
 * joins one tag set (`tag` true: as JOIN_TAG_SETS). One key per call, so calls batch per slot.
 */
export const WRITE_LOOKUP = defineScript({
  name: "write-lookup",
  input: { key: "key", tag: "flag", member: "text", ttl: "number" },
  uses: [LUA_JOIN_TAG_SETS],
  lua: `
if tag then join_tag_sets({key}, member, ttl)
elseif ttl > 0 then redis.call('SET', key, member, 'PX', ttl)
else redis.call('SET', key, member) end
return 1`,
  reply: (raw): boolean => Number(raw) === 1,
});

/** Deletes an invalid value unless it changed since it was read (`sha`: sha1 of the bytes read). */
export const DELETE_IF_SAME = defineScript({
  name: "delete-if-same",
  input: { value: "key", sha: "text" },
  uses: [LUA_STORED_AT],
  lua: `
local v = stored_at(value)
if v and redis.sha1hex(v) == sha then redis.call('DEL', value) return 1 end
return 0`,
  reply: (raw): boolean => Number(raw) === 1,
});
