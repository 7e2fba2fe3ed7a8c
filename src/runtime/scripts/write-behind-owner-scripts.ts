import { replyFlags } from "../replies.js";
import { defineScript } from "./define-script.js";
import { luaFunction } from "./lua-function.js";

/**
 * Scripts of a write-behind worker's membership: which worker writes a key (OWN, RENEW_OWNERS), and
 * leaving the consumer group.
 */

/**
 * Lua `id_after(a, b)`: whether stream id `a` comes after stream id `b`.
 */
export const LUA_ID_AFTER = luaFunction(
  "id_after",
  `
local function id_after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
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
  reply: replyFlags,
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
