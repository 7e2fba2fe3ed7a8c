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
 * Round trips, one at a time: GETs of an absent key under the key prefix, what a cache hit costs.
 * The application's own user (the rule `cachegen acl` prints) may send it, so the probe is never
 * refused to a user the runtime works for (PING, for one, is not in that rule).
 */
export async function latencyCheck(redis: Redis, probeKey: string): Promise<Check> {
  const times: number[] = [];
  while (times.length < ROUND_TRIPS) {
    const started = performance.now();
    try {
      await redis.get(probeKey);
    } catch (failure) {
      // On a cluster the key's slot may be another primary's: a redirection is a round trip to this node all the same.
      if (!/^(MOVED|ASK) /.test(failure instanceof Error ? failure.message : "")) throw failure;
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = (times[ROUND_TRIPS / 2 - 1]! + times[ROUND_TRIPS / 2]!) / 2;
  const p99 = times[Math.ceil(0.99 * ROUND_TRIPS) - 1]!;
  const figures = `GET x${ROUND_TRIPS}: median ${formatMs(median)}, p99 ${formatMs(p99)}`;
  if (p99 > SLOW_P99_MS) {
    return warn(
      "latency",
      `${figures}: calls this slow hit the runtime's timeoutMs (default 100 ms) and open the circuit breaker; move Redis closer to the app or raise timeoutMs`,
    );
  }
  if (median > SLOW_MEDIAN_MS) {
    return warn(
      "latency",
      `${figures}: every cache hit pays this; move Redis closer to the app, or add an l1 tier to hot entities`,
    );
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
      return error(
        "scripting",
        `${message}: the runtime runs Lua scripts for every miss, fill and invalidation; grant +eval +evalsha (see \`cachegen acl\`)`,
      );
    }
    if (/unknown command/i.test(message)) {
      return error(
        "scripting",
        `${message}: scripting is disabled on this server (EVAL renamed or removed), and the runtime needs it for every miss, fill and invalidation`,
      );
    }
    return error("scripting", `${message}: the runtime needs EVAL and EVALSHA for every miss, fill and invalidation`);
  }
}
