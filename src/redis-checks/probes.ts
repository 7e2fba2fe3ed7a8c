import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { error, ok, warn, type Check } from "./check.js";
import { formatMs } from "./units.js";

const ROUND_TRIPS = 20;
/** Every cache hit pays one round trip; beyond this the cache stops being cheap. */
const SLOW_MEDIAN_MS = 5;
/** Half the runtime's default `timeoutMs` (100): slower calls start timing out and open the breaker. */
const SLOW_P99_MS = 50;

/**
 * Round trips, one at a time: PING, or a GET of an absent key under the key prefix for a user
 * without PING (the application's user from `cachegen acl` has no PING: the runtime never sends it).
 */
export async function latencyCheck(redis: Redis, keyPrefix: string): Promise<Check> {
  let roundTrip = (): Promise<unknown> => redis.ping();
  let how = "PING";
  const times: number[] = [];
  while (times.length < ROUND_TRIPS) {
    const started = performance.now();
    try {
      await roundTrip();
    } catch (failure) {
      if (!/NOPERM/.test(String(failure)) || how !== "PING") throw failure;
      roundTrip = () => redis.get(`${keyPrefix}cachegen-doctor-latency-probe`);
      how = "GET (PING is not granted)";
      continue;
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = (times[ROUND_TRIPS / 2 - 1]! + times[ROUND_TRIPS / 2]!) / 2;
  const p99 = times[Math.ceil(0.99 * ROUND_TRIPS) - 1]!;
  const figures = `${how} x${ROUND_TRIPS}: median ${formatMs(median)}, p99 ${formatMs(p99)}`;
  if (p99 > SLOW_P99_MS) {
    return warn("latency", `${figures}: calls this slow hit the runtime's timeoutMs (default 100 ms) and open the circuit breaker; move Redis closer to the app or raise timeoutMs`);
  }
  if (median > SLOW_MEDIAN_MS) {
    return warn("latency", `${figures}: every cache hit pays this; move Redis closer to the app, or add an l1 tier to hot entities`);
  }
  return ok("latency", figures);
}

const PROBE = "return 1";

/** Every miss, fill and invalidation runs a Lua script: EVAL and EVALSHA must both work. */
export async function scriptingCheck(redis: Redis): Promise<Check> {
  try {
    await redis.eval(PROBE, 0);
    await redis.evalsha(createHash("sha1").update(PROBE).digest("hex"), 0);
    return ok("scripting", "EVAL and EVALSHA run");
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    if (/NOPERM/.test(message)) {
      return error("scripting", `${message}: the runtime runs Lua scripts for every miss, fill and invalidation; grant +eval +evalsha (see \`cachegen acl\`)`);
    }
    if (/unknown command/i.test(message)) {
      return error("scripting", `${message}: scripting is disabled on this server (EVAL renamed or removed), and the runtime needs it for every miss, fill and invalidation`);
    }
    return error("scripting", `${message}: the runtime needs EVAL and EVALSHA for every miss, fill and invalidation`);
  }
}
