import os from "node:os";
import type { Redis } from "ioredis";

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  os: string;
  node: string;
  redis: string;
  redisHost: string;
}

export async function describeMachine(redis: Redis): Promise<Machine> {
  const info = await redis.info("server");
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: (cpus[0]?.model ?? "unknown").replace(/\s+/g, " ").trim(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    redis: version,
    redisHost: `${redis.options.host ?? "127.0.0.1"}:${redis.options.port ?? 6379}`,
  };
}
