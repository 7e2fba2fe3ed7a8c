/**
 * `cachegen/runtime`: everything generated code (and applications) import. Generated files import
 * `z` from here so the schemas and the runtime share one zod.
 */
export { z } from "zod";
export { defineEntity } from "./definition.js";
export type {
  EntityDefinition,
  IndexDefinition,
  InvalidatesDefinition,
  KeyPartType,
  ListDefinition,
  Strategy,
  TagDefinition,
  WriteBehindSettings,
} from "./definition.js";
export type {
  BareKey,
  CacheAsideRepositoryOptions,
  CacheEvent,
  CacheEventType,
  CacheStats,
  DurabilityOptions,
  EntitySource,
  InvalidateOptions,
  JsonValue,
  KeyInput,
  RedisClient,
  RepositoryOptions,
  SharedRepositoryOptions,
  WorkerOptions,
  WriteBehindSource,
  WriteBehindWorker,
} from "./types.js";
export type { EntityInstrumentation, Instrumentation, OperationName } from "./instrumentation.js";
export { Repository } from "./repository.js";
export { WriteBehindRepository } from "./write-behind-repository.js";
export {
  CachegenError,
  InvalidEntityError,
  InvalidKeyError,
  CacheUnavailableError,
  CacheWriteUnknownError,
} from "./errors.js";
export { deleteByPrefix } from "./delete-by-prefix.js";
export { withoutDurability } from "./durability.js";
export type { PrimeResult } from "./prime.js";
export { warm } from "./warm.js";
export type { Primable, WarmOptions, WarmProgress } from "./warm.js";
