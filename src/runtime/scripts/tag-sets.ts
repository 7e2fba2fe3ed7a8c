import { luaFunction } from "./lua-function.js";

/**
 * Lua `join_tag_sets(sets, member, ttl)`: adds a value key to its tag sets and extends each set's
 * expiry to at least `ttl` ms (a set lives as long as its longest-lived member).
 */
export const LUA_JOIN_TAG_SETS = luaFunction(
  "join_tag_sets",
  `
local function join_tag_sets(sets, member, ttl)
  for _, set in ipairs(sets) do
    redis.call('SADD', set, member)
    if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
  end
end`,
);
