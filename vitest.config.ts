import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "cachegen/runtime": fileURLToPath(new URL("./src/runtime/index.ts", import.meta.url)),
      "cachegen/testing": fileURLToPath(new URL("./src/testing/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts", "generated/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
