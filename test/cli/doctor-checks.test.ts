import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import type { ProjectModel } from "../../src/model/model.js";
import { parseInfo } from "../../src/redis-checks/connection.js";
import { projectKeys } from "../../src/redis-checks/entity-layout.js";
import { monitoredPrimaries, replicationCheck, sentinelCheck } from "../../src/redis-checks/replication-checks.js";
import { clusterCheck, versionCheck } from "../../src/redis-checks/server-checks.js";
import { authCheck, tlsCheck } from "../../src/redis-checks/transport-checks.js";
import { readProject } from "../../src/read-project.js";
import { redisTarget } from "../../src/cli/redis-target.js";

/** Cases no local server can show: an old Redis, a remote host. Nothing here connects anywhere. */
let examples: ProjectModel;
beforeAll(async () => {
  const result = await readProject(await resolveConfig({ cwd: fileURLToPath(new URL("../..", import.meta.url)) }));
  examples = result.model!;
});

describe("doctor's checks on facts no local server shows", () => {
  it("fails a server older than the commands of the declared strategies need", () => {
    const check = versionCheck(parseInfo("# Server\r\nredis_version:6.0.16\r\n"), examples);
    expect(check).toEqual({
      name: "version",
      severity: "error",
      message:
        "Redis 6.0.16 is older than 6.2.0 (XAUTOCLAIM, write-behind), which the schemas need; upgrade the server",
    });
  });

  it("warns about a remote host without password or TLS, and names what to do", () => {
    const target = redisTarget("redis://cache.internal.example:6379", {});
    expect(authCheck(target)).toMatchObject({
      severity: "warn",
      message: expect.stringMatching(/^no password for cache\.internal\.example: .*`cachegen acl`/),
    });
    expect(tlsCheck(target)).toMatchObject({
      severity: "warn",
      message: expect.stringContaining("connect with rediss://"),
    });
    const secured = redisTarget("rediss://app:pw@cache.internal.example:6380", {});
    expect(authCheck(secured)).toEqual({ name: "auth", severity: "ok", message: "authenticated as app" });
    expect(tlsCheck(secured)).toEqual({
      name: "tls",
      severity: "ok",
      message: "rediss://: the connection is encrypted",
    });
    expect(secured.shown).toBe("rediss://app:***@cache.internal.example:6380");
  });

  it("treats 127.0.0.0/8, ::1 and localhost as loopback", () => {
    for (const url of ["redis://127.0.0.2:6379", "redis://[::1]:6379", "redis://localhost:6379"]) {
      expect(redisTarget(url, {}).loopback, url).toBe(true);
    }
    expect(redisTarget("redis://10.0.0.7:6379", {}).loopback).toBe(false);
  });

  it("reads a Sentinel's monitored primaries and warns when fewer than 3 sentinels watch one", () => {
    const info = parseInfo(
      "redis_mode:sentinel\r\nmaster0:name=cache,status=ok,address=10.0.0.5:6379,slaves=2,sentinels=2\r\n",
    );
    const [primary] = monitoredPrimaries(info);
    expect(primary).toEqual({ name: "cache", status: "ok", host: "10.0.0.5", port: 6379, replicas: 2, sentinels: 2 });
    const check = sentinelCheck("10.0.0.9:26379", primary!, 0);
    expect(check.severity).toBe("warn");
    expect(check.message).toMatch(/only 2 sentinel\(s\): run at least 3/);
  });

  it("says how many replicas a primary has, and that write-behind saves do not wait for them without durability", () => {
    const info = parseInfo(
      "role:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.6,port=6379,state=online,offset=10,lag=0\r\nslave1:ip=10.0.0.7,port=6379,state=wait_bgsave,offset=0,lag=3\r\n",
    );
    expect(replicationCheck(info, examples)?.message).toBe(
      "primary with 2 replica(s), 1 online, lag 3 s at most; replication is asynchronous: write-behind saves are acknowledged by the primary alone unless the repositories get durability: { replicas: 1 } (a WAIT after each save)",
    );
    expect(replicationCheck(parseInfo("role:slave\r\n"), examples)).toBeUndefined();
  });

  it("warns when pointed at a replica", () => {
    expect(clusterCheck(parseInfo("role:slave\r\ncluster_enabled:0\r\n"), projectKeys(examples)).severity).toBe("warn");
  });
});
