// A master of a spawned 3-master cluster is SIGKILLed under a read+write load on the generated
// repositories (read-through User, over an ioredis Cluster built with the README's options): reads
// keep answering (from the source while the slot is down, each Redis call bounded by timeoutMs),
// the replica takes over, writes and fills resume without a restart, and no stale value is left
// (invalidations that failed during the failover are retried from the retry queue once Redis is back).
import { describe, expect, it } from "vitest";
import { cachedUsersOnCluster, staleAfter, startLoad } from "../support/cluster-load.js";
import { useSpawnedCluster } from "../support/use-spawned-cluster.js";
import { sleep, until } from "../support/wait.js";
import { keySlot } from "../../src/runtime/slots.js";

const spawned = useSpawnedCluster();

describe("failover under load", () => {
  it("reads never fail, writes and fills resume on the promoted replica, nothing stale after", async () => {
    const { redis, source, ids, events, repo, observer, close } = await cachedUsersOnCluster(
      spawned.cluster,
      "failover",
      200,
    );
    try {
      const victim = await spawned.cluster.masterOf(keySlot(repo.keyOf(ids[0]!)));

      const load = startLoad(repo, source.rows, ids);
      await sleep(1000);
      const killedAt = Date.now();
      await spawned.cluster.killMasterAndFailover(victim.port);
      const failoverMs = Date.now() - killedAt;
      await sleep(2000);
      const figures = await load.stop();

      // writes and fills resume: a save lands, the next get fills, the one after is a hit from Redis
      const id = ids[1]!;
      await repo.save({ ...source.rows.get(id)!, name: "after", updatedAt: new Date(Date.now() + 1e9) });
      expect((await repo.get(id))?.name).toBe("after");
      await until(async () => (await redis.exists(repo.keyOf(id))) === 1, 5000);
      const hits = repo.stats().hits;
      expect((await repo.get(id))?.name).toBe("after");
      expect(repo.stats().hits).toBe(hits + 1);

      const stale = await staleAfter(observer, source.rows, ids);
      const invalidationsRetried = events.of("redis-error").filter((e) => /invalidate/.test(JSON.stringify(e))).length;
      console.log(
        `failover: master ${victim.port} killed, replica serving after ${failoverMs} ms; reads ${figures.reads}, ` +
          `reads failed ${figures.readsFailed}, longest read ${figures.longestReadMs.toFixed(0)} ms, ` +
          `writes ${figures.writes} (failed ${figures.writesFailed}), invalidations that failed and were retried ${invalidationsRetried}, stale after ${stale.length}`,
      );
      expect(figures.errors).toEqual([]);
      expect(figures.readsFailed).toBe(0);
      expect(figures.readsMissing).toBe(0);
      expect(figures.writesFailed).toBe(0);
      expect(stale).toEqual([]);
      // a reader may wait out a lease orphaned by the failover (its holder's fill and release failed): leaseTtlMs at most
      expect(figures.longestReadMs).toBeLessThan(6000);
    } finally {
      close();
    }
  }, 90_000);
});
