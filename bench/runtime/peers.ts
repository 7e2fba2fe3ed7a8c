import type { Cache } from "@epic-web/cachified";
import { redisCacheAdapter } from "cachified-redis-adapter";
import type { Redis } from "ioredis";

/** ioredis as cachified-redis-adapter's RedisLikeCache (the adapter speaks node-redis' option object). */
export function cachifiedCache(redis: Redis): Cache {
  return redisCacheAdapter({
    name: "ioredis",
    get: (key) => redis.get(key),
    set: (key, value, options) => (options ? redis.set(key, value, "EXAT", options.EXAT) : redis.set(key, value)),
    del: (key) => redis.del(key),
  });
}
