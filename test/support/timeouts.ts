/**
 * `timeoutMs` for repositories in tests of something other than fail-open: on a busy machine a
 * Redis reply can take longer than the default 100 ms, and a read that fails open (or a write whose
 * invalidation is retried later) would then look like the defect under test.
 */
export const PATIENT_TIMEOUT_MS = 5_000;
