#!/usr/bin/env node
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (error) {
  const distMissing = error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("cli/main.js");
  if (!distMissing) throw error;
  console.error("cachegen: dist/ is missing; run `npm run build` in the cachegen repository first.");
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
