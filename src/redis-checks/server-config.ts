import type { Redis } from "ioredis";
import type { ServerConfig } from "./server-checks.js";

/** The settings the checks need that INFO does not show; undefined where CONFIG GET is refused. */
export async function readServerConfig(redis: Redis): Promise<ServerConfig> {
  const [save, appendfsync] = await Promise.all([configValue(redis, "save"), configValue(redis, "appendfsync")]);
  return { save, appendfsync };
}

async function configValue(redis: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await redis.call("CONFIG", "GET", name)) as string[];
    return reply[1];
  } catch {
    return undefined;
  }
}
