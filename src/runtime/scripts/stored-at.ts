import { luaFunction } from "./lua-function.js";

/**
 * Lua `stored_at(key)`: the string at `key`, or false when there is none. cachegen keeps only
 * strings at the keys it reads this way (values, lists); a key of another type there is not
 * cachegen's (another program wrote it, or a mistake did): it is deleted, so the entry can be
 * cached again, and read as absent. A plain GET would fail every script that reads the key, for
 * ever (the key has no expiry). The second result names the type deleted, for the caller to report.
 */
export const LUA_STORED_AT = luaFunction(
  "stored_at",
  `
local function stored_at(key)
  local v = redis.pcall('GET', key)
  if type(v) == 'table' and v.err then
    local kind = redis.call('TYPE', key).ok
    -- Not a key of another type: the GET again, failing the script as it failed.
    if kind == 'string' or kind == 'none' then return redis.call('GET', key) end
    redis.call('DEL', key)
    return false, kind
  end
  return v
end`,
);
