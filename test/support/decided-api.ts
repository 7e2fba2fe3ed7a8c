/**
 * Names decided in API-DECISIONS.md that the runtime may not export yet. Tests reach them through
 * here so they type-check before and after the fixes land; once a name exists, replace its use
 * with the direct call or import and delete it here.
 */
import { expect } from "vitest";

/** RepositoryOptions added by the fixes (API-DECISIONS.md, "Options"). */
export interface DecidedRepositoryOptions {
  /** Bound on write-behind enqueue scripts; default 1000. */
  writeTimeoutMs?: number;
  /** Longest encoded key; default 1024 characters. */
  maxKeyLength?: number;
}

/** WorkerOptions added by the fixes (API-DECISIONS.md, "Write-behind"). */
export interface DecidedWorkerOptions {
  retryHorizonMs?: number;
  isRetryable?: (error: unknown) => boolean;
  stopTimeoutMs?: number;
}

/** `options` with the decided extra options (no excess-property error while the types lack them). */
export function withDecided<T extends object>(options: T, extra: DecidedRepositoryOptions | DecidedWorkerOptions): T {
  return { ...options, ...extra };
}

/** The matcher of an `InvalidEntityError` (entity, key, path, expected, got). */
export function invalidEntity(fields: { entity: string; path: string; key?: string }): Record<string, unknown> {
  return {
    name: "InvalidEntityError",
    entity: fields.entity,
    path: fields.path,
    expected: expect.any(String),
    got: expect.any(String),
    ...(fields.key === undefined ? {} : { key: expect.stringContaining(fields.key) }),
  };
}

/** Calls `replayDeadLetters()` of a write-behind repository (rejects clearly while it does not exist). */
export async function replayDeadLetters(repository: object, options?: { limit?: number }): Promise<number> {
  const replay = (repository as { replayDeadLetters?: (options?: { limit?: number }) => Promise<number> })
    .replayDeadLetters;
  if (typeof replay !== "function")
    throw new TypeError("repository.replayDeadLetters is not a function (API-DECISIONS.md, Write-behind)");
  return replay.call(repository, options);
}

/** Calls `close()` on what `createRepositories` returns (rejects clearly while it does not exist). */
export async function closeRepositories(repositories: object): Promise<void> {
  const close = (repositories as { close?: () => Promise<void> }).close;
  if (typeof close !== "function")
    throw new TypeError("createRepositories(...).close is not a function (API-DECISIONS.md, close())");
  await close.call(repositories);
}
