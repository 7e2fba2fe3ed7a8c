import { replyBytes } from "../replies.js";
import { LUA_NEWER, LUA_STORED_VERSION } from "../stored-value.js";
import { defineScript } from "./define-script.js";
import { LUA_STORED_AT } from "./stored-at.js";

/** Per entry: whether it was primed, and the value it replaced (an older version), if any. */
export interface PrimeOutcome {
  readonly primed: boolean;
  readonly old: Buffer | undefined;
}

/**
 * Warm-up (`prime`, `primeMany`): writes values the application already holds, by the rules of a
 * fill, without a lease of its own. An entry is skipped while anyone holds its lease (a fill or a
 * refresh loading it), while a write-through writer is in flight (`writers`), when its value has a
 * write-behind write queued (no expiry: newer than any source), and when a value is cached that
 * it cannot tell is older (a not-found, a value without a version, or one as new or newer). Else
 * the value is written (its tag sets were joined before, its index entries are written after, as
 * for a fill: they live in other slots). Replies per entry {1|0, replaced}.
 */
export const PRIME = defineScript({
  name: "prime",
  input: {
    entries: {
      each: {
        value: "key",
        lease: "key",
        writers: "key",
        payload: "stored",
        pttl: "number",
        version: "text",
      },
    },
  },
  uses: [LUA_NEWER, LUA_STORED_VERSION, LUA_STORED_AT],
  lua: `
local out = {}
for i, e in ipairs(entries) do
  local old = stored_at(e.value)
  -- PTTL -2: no such key (no write-through writer in flight); GET and PTTL only, so priming needs
  -- no command the read path does not already send (cachegen acl).
  local write = not redis.call('GET', e.lease) and redis.call('PTTL', e.writers) == -2
  if write and old then
    local current = stored_version(old)
    write = redis.call('PTTL', e.value) ~= -1 and e.version ~= '' and current ~= nil and current ~= ''
      and newer(e.version, current)
  end
  if write then
    redis.call('SET', e.value, e.payload, 'PX', e.pttl)
    out[i] = {1, old or ''}
  else
    out[i] = {0, ''}
  end
end
return out`,
  reply: (raw): PrimeOutcome[] | undefined =>
    Array.isArray(raw)
      ? raw.map((entry: unknown) => {
          const [primed, old] = Array.isArray(entry) ? entry : [];
          return { primed: Number(primed) === 1, old: replyBytes(old) };
        })
      : undefined,
});
