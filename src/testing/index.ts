/**
 * `cachegen/testing`: the conformance suite generated test files run (vitest, an optional peer
 * dependency of this package; only this entry imports it).
 */
export { describeRepository, type ConformanceOptions, type RepositorySamples } from "./describe-repository.js";
export { InMemorySource } from "./in-memory-source.js";
