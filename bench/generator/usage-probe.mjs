// Preloaded into the measured CLI process (`node --import <this> bin/cachegen.js ...`): at exit,
// writes the process's resource usage to the file named by CACHEGEN_BENCH_USAGE. `maxRSS` (KiB)
// covers the whole process, worker threads included, from start to exit.
import { writeFileSync } from "node:fs";

const target = process.env.CACHEGEN_BENCH_USAGE;
if (target) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({
        maxRssKb: usage.maxRSS,
        userMs: usage.userCPUTime / 1000,
        systemMs: usage.systemCPUTime / 1000,
        uptimeMs: process.uptime() * 1000,
      }),
    );
  });
}
