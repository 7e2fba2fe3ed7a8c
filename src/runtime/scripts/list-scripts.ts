import { replyText } from "../replies.js";
import { defineScript } from "./define-script.js";
import { LUA_STORED_AT } from "./stored-at.js";

/**
 * Scripts of lists (`listBy<List>`). A list is one key holding either its members (`M|` and their
 * encoded keys, space-separated) or the lease of the fill loading it (`L|<token>`). Every write of
 * a member deletes the key (see the Invalidator), so a fill whose lease is gone was overtaken by a
 * write and must not cache what it loaded (guarantee 1, for lists).
 */

/** The list's members or someone else's lease, as stored; null: it was absent and the lease `lease` is now ours. */
export const LIST_READ = defineScript({
  name: "list-read",
  input: { list: "key", lease: "text", leaseTtlMs: "number" },
  uses: [LUA_STORED_AT],
  lua: `
local v = stored_at(list)
if v then return v end
redis.call('SET', list, lease, 'PX', leaseTtlMs)
return false`,
  reply: (raw): string | null => (raw === null ? null : replyText(raw)),
});

/** Writes the members only while the key still holds our lease; replies whether it did. */
export const LIST_FILL = defineScript({
  name: "list-fill",
  input: { list: "key", lease: "text", members: "text", pttl: "number" },
  uses: [LUA_STORED_AT],
  lua: `
if stored_at(list) == lease then
  redis.call('SET', list, members, 'PX', pttl)
  return 1
end
return 0`,
  reply: (raw): boolean => Number(raw) === 1,
});

/** Extends the list's lease to `leaseTtlMs` from now while the key still holds it (a slow list load); replies whether it did. */
export const LIST_RENEW = defineScript({
  name: "list-renew",
  input: { list: "key", lease: "text", leaseTtlMs: "number" },
  uses: [LUA_STORED_AT],
  lua: `
if stored_at(list) == lease then
  redis.call('PEXPIRE', list, leaseTtlMs)
  return 1
end
return 0`,
  reply: (raw): boolean => Number(raw) === 1,
});

/** Deletes the key while it still holds exactly `expected` (our lease, or the members found stale). */
export const LIST_DROP_IF_SAME = defineScript({
  name: "list-drop-if-same",
  input: { list: "key", expected: "text" },
  uses: [LUA_STORED_AT],
  lua: `
if stored_at(list) == expected then redis.call('DEL', list) return 1 end
return 0`,
  reply: (raw): boolean => Number(raw) === 1,
});
