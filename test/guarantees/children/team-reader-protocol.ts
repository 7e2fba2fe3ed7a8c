import { defineEntity, type CacheStats, type EntityDefinition } from "cachegen/runtime";
import type { ChildRedisInput } from "../../support/child-side.js";
import { teamEntity, type Team, type TeamKey } from "../../fixtures/valid/full-featured-read-through/expected/team.js";

/** The program the stampede and stale-while-revalidate tests run in each child process. */
export const teamReaderProgram = "test/guarantees/children/team-reader.ts";

export interface TeamReaderInput extends ChildRedisInput {
  readonly keyPrefix: string;
  /** The source counts its loads here (INCR), across every process. */
  readonly loadCounterKey: string;
  readonly id: string;
  /** Gets issued at once in each round; rounds run one after the other. */
  readonly concurrentGets: number;
  readonly rounds: number;
  readonly loadMs: number;
  /** The source never returns (to be SIGKILLed mid-load). */
  readonly hangInLoad: boolean;
  readonly leaseTtlMs: number;
  /** Bound on each Redis call; generous, so a busy machine does not turn waits into fail-open loads. */
  readonly timeoutMs: number;
  readonly ttlMs: number;
  readonly staleWhileRevalidateMs?: number;
}

export type FromTest = { type: "go" };

export type FromReader =
  | { type: "ready" }
  /** The source was called (so this process holds the lease): the load number and when. */
  | { type: "loading"; load: number; at: number }
  /** This process waits for another one's fill. */
  | { type: "waiting" }
  | { type: "done"; stats: CacheStats; names: string[]; slowestGetMs: number; finishedAt: number };

/** The Team entity with the TTLs a test asks for; no jitter, so freshness is exact. */
export function teamDefinition(
  input: Pick<TeamReaderInput, "ttlMs" | "staleWhileRevalidateMs">,
): EntityDefinition<Team, TeamKey> {
  const swr =
    input.staleWhileRevalidateMs === undefined ? {} : { staleWhileRevalidateMs: input.staleWhileRevalidateMs };
  return defineEntity<Team, TeamKey>({ ...teamEntity, ttlMs: input.ttlMs, jitter: 0, ...swr });
}

/** What the source holds after its n-th load: the name tells which load a cached value came from. */
export function loadedTeam(id: string, load: number): Team {
  return { id, name: `load ${load}` };
}
