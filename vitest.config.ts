import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "cachegen/runtime": fileURLToPath(new URL("./src/runtime/index.ts", import.meta.url)),
      "cachegen/prometheus": fileURLToPath(new URL("./src/runtime/prometheus.ts", import.meta.url)),
      "cachegen/opentelemetry": fileURLToPath(new URL("./src/runtime/opentelemetry.ts", import.meta.url)),
      "cachegen/testing": fileURLToPath(new URL("./src/testing/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts", "generated/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Two files at a time: the slow files mostly wait on timers and child processes. Vitest's
    // default on the 2-core CI machine is one worker, which ran the suite in 587-618 s; two ran it
    // in 335-338 s, green both times. Files that count commands use a redis-server of their own.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
