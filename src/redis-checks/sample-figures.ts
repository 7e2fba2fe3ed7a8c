import type { FoundKey, NamespaceKeys } from "./key-census.js";

export interface SampleFigures {
  /** Mean MEMORY USAGE of the sample times the key count; undefined when MEMORY USAGE is refused. */
  readonly memoryBytes: number | undefined;
  /** True when every key was sampled, so the memory is a sum rather than an estimate. */
  readonly exact: boolean;
  /** PTTL spread of the sampled keys that expire; undefined when none does. */
  readonly ttlMs: { readonly min: number; readonly median: number; readonly max: number } | undefined;
  /** Sampled keys without expiry. */
  readonly withoutExpiry: number;
}

/** Memory and TTLs of a namespace, measured on its sample (one pipeline per node). */
export async function measureSample(keys: NamespaceKeys): Promise<SampleFigures> {
  const byNode = new Map<FoundKey["node"], FoundKey[]>();
  for (const found of keys.sample) {
    const group = byNode.get(found.node);
    if (group) group.push(found);
    else byNode.set(found.node, [found]);
  }
  const sizes: number[] = [];
  const ttls: number[] = [];
  let memoryRefused = false;
  for (const [node, found] of byNode) {
    const pipeline = node.redis.pipeline();
    for (const { key } of found) pipeline.call("MEMORY", "USAGE", key).pttl(key);
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < replies.length; i += 2) {
      const [memoryError, memory] = replies[i]!;
      const [, pttl] = replies[i + 1]!;
      if (memoryError) memoryRefused = true;
      else if (typeof memory === "number") sizes.push(memory);
      if (typeof pttl === "number" && pttl !== -2) ttls.push(pttl);
    }
  }
  const expiring = ttls.filter((ttl) => ttl >= 0).sort((a, b) => a - b);
  const mean = sizes.length === 0 ? 0 : sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
  return {
    memoryBytes: memoryRefused ? undefined : Math.round(mean * keys.count),
    exact: keys.sample.length === keys.count,
    ttlMs:
      expiring.length === 0
        ? undefined
        : { min: expiring[0]!, median: expiring[Math.floor((expiring.length - 1) / 2)]!, max: expiring.at(-1)! },
    withoutExpiry: ttls.length - expiring.length,
  };
}
