import type { ClientPipeline, CommandClient } from "./command-client.js";
import { CacheWriteUnknownError } from "./errors.js";
import type { EntityRedis } from "./entity-redis.js";
import type { Events } from "./events.js";
import type { Strategy } from "./definition.js";
import type { DurabilityOptions } from "./types.js";

export const DEFAULT_DURABILITY_TIMEOUT_MS = 500;

/**
 * `durability` checked, with its default: undefined when the option is not set. Only write-behind
 * queues writes in Redis, so on any other strategy the option would promise what nothing does.
 */
export function checkDurability(
  entity: string,
  strategy: Strategy,
  option: DurabilityOptions | undefined,
): Required<DurabilityOptions> | undefined {
  if (option === undefined) return undefined;
  if (strategy !== "write-behind")
    throw new TypeError(
      `cachegen: ${entity} is ${strategy}: durability applies to write-behind repositories only (their saves are queued in Redis); remove the option for ${entity}`,
    );
  const { replicas, timeoutMs = DEFAULT_DURABILITY_TIMEOUT_MS } = option;
  if (!(Number.isSafeInteger(replicas) && replicas >= 1))
    throw new TypeError(
      `cachegen: ${entity} durability.replicas must be an integer >= 1 (leave durability out for none)`,
    );
  if (!(Number.isSafeInteger(timeoutMs) && timeoutMs > 0))
    throw new TypeError(`cachegen: ${entity} durability.timeoutMs must be a positive integer`);
  return { replicas, timeoutMs };
}

/**
 * Shared repository options without `durability`: what a generated `createRepositories` gives the
 * repositories of its other strategies when the project mixes them with write-behind.
 */
export function withoutDurability<T extends { readonly durability?: unknown }>(options: T): Omit<T, "durability"> {
  const rest: Record<string, unknown> = { ...options };
  delete rest["durability"];
  return rest as Omit<T, "durability">;
}

/**
 * After a write-behind enqueue: `WAIT replicas timeoutMs` on the connection that sent it (WAIT
 * covers the writes of its own connection only), so a save resolves once the entry is on that many
 * replicas too, and survives the loss of the primary. Fewer acknowledgements within the bound: the
 * save rejects with CacheWriteUnknownError (the entry is queued on the primary and is written to the
 * source unless the primary is lost first) and `durability-not-met` is recorded.
 */
export class Durability {
  constructor(
    private readonly settings: Required<DurabilityOptions>,
    private readonly redis: EntityRedis<unknown, unknown>,
    private readonly events: Events,
  ) {}

  async replicated(valueKey: string, what: string): Promise<void> {
    const { replicas, timeoutMs } = this.settings;
    const r = await this.redis.onStreams("wait", (c) => sendWait(c, valueKey, replicas, timeoutMs), timeoutMs);
    const acknowledged = r.ok ? Number(r.value) : undefined;
    if (acknowledged !== undefined && acknowledged >= replicas) return;
    const detail =
      acknowledged === undefined
        ? `WAIT failed (${(r as { error?: Error }).error?.message ?? "no reply"})`
        : `${acknowledged} of ${replicas} replica(s) acknowledged within ${timeoutMs} ms`;
    this.events.record("durability-not-met", valueKey, { detail });
    throw new CacheWriteUnknownError(
      `${this.events.entity}: ${what} is queued on the primary but not confirmed on ${replicas} replica(s): ${detail}. It is written to the source unless the primary is lost first; retrying is safe (writes reach the source at least once)`,
      r.ok ? undefined : { cause: r.error },
    );
  }
}

/**
 * WAIT on the connection the enqueue of `key` used. On a Cluster a keyless command goes to any
 * node, so it rides in a pipeline with a PTTL of the key, which sends both to the key's node.
 */
function sendWait(c: CommandClient, key: string, replicas: number, timeoutMs: number): Promise<unknown> {
  if (c.isCluster && c.pipeline) return waitOnNodeOf(c.pipeline(), key, replicas, timeoutMs);
  return c.call("WAIT", replicas, timeoutMs);
}

async function waitOnNodeOf(
  pipeline: ClientPipeline,
  key: string,
  replicas: number,
  timeoutMs: number,
): Promise<unknown> {
  const replies = await pipeline.pttl(key).call("WAIT", replicas, timeoutMs).exec();
  const [error, acknowledged] = replies?.[1] ?? [new Error("cachegen: WAIT got no reply"), undefined];
  if (error) throw error;
  return acknowledged;
}
