import { resolve } from "node:path";
import { error, ok, warn, type Check } from "../redis-checks/check.js";
import { checkCertificate } from "../redis-checks/certificate-check.js";
import {
  CHECK_TIMEOUT_MS,
  closeConnection,
  ConnectionError,
  connectToServer,
  type ServerConnection,
} from "../redis-checks/connection.js";
import { evictionPolicyCheck, maxmemoryCheck } from "../redis-checks/memory-checks.js";
import { latencyCheck, scriptingCheck } from "../redis-checks/probes.js";
import { clusterCheck, persistenceCheck, versionCheck } from "../redis-checks/server-checks.js";
import { isSentinel, monitoredPrimaries, replicationCheck, sentinelCheck } from "../redis-checks/replication-checks.js";
import { readServerConfig } from "../redis-checks/server-config.js";
import { authCheck, tlsCheck } from "../redis-checks/transport-checks.js";
import { parseFlags } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { displayFolder, plural } from "./display.js";
import { loadModel } from "./load-model.js";
import { printChecks } from "./print-checks.js";
import { withoutSecrets } from "./redaction.js";
import { connectionProblem, keysUnderPrefix, parseRedisUrl, redisTarget, type RedisTarget } from "./redis-target.js";

export const doctorCommand: Command = {
  name: "doctor",
  run: withoutSecrets(async (args, terminal) => {
    const flags = parseFlags(args, flagsOf("doctor"));
    const target = redisTarget(flags.redis, process.env, flags);
    const project = await loadModel(terminal, flags, "doctor");
    if (!project) return 1;
    const { config, model } = project;
    const keys = keysUnderPrefix(model, flags["key-prefix"]);
    const entities = plural(model.entities.length, "entity", "entities");
    terminal.out.line(
      `Checking ${target.shown} against ${entities} in ${displayFolder(terminal.cwd, resolve(config.root, config.schemasDir))}`,
    );

    let connection: ServerConnection;
    let checked = target;
    const via: Check[] = [];
    try {
      connection = await connectToServer(target.url, target.clientTls);
      if (isSentinel(connection.info)) {
        const [primary, ...others] = monitoredPrimaries(connection.info);
        await closeConnection(connection.redis);
        if (!primary) {
          printChecks(terminal, [
            error(
              "sentinel",
              `${target.shown} is a Redis Sentinel that monitors no primary; point --redis at one that does, or at the primary itself`,
            ),
          ]);
          return 1;
        }
        via.push(sentinelCheck(`${target.host}:${target.port}`, primary, others.length));
        checked = retarget(target, primary.host, primary.port);
        connection = await connectToServer(checked.url, checked.clientTls);
      }
    } catch (failure) {
      if (!(failure instanceof ConnectionError)) throw failure;
      const certificate = failure.reason === "tls" && checked.tls ? [await certificateOf(checked)] : [];
      printChecks(terminal, [...via, error("connection", connectionProblem(checked, failure)), ...certificate]);
      return 1;
    }
    const { redis, info } = connection;
    try {
      const checks: Check[] = [
        ...via,
        ok("connection", `connected to ${checked.shown}`),
        versionCheck(info, model),
        maxmemoryCheck(info, keys),
        evictionPolicyCheck(info, keys),
        persistenceCheck(info, await readServerConfig(redis), model),
        await measured("latency", () => latencyCheck(redis, keys.probeKey)),
        authCheck(checked),
        tlsCheck(checked),
        ...(checked.tls ? [await certificateOf(checked)] : []),
        clusterCheck(info, keys),
        ...[replicationCheck(info, model)].filter((check) => check !== undefined),
        await scriptingCheck(redis),
      ];
      return printChecks(terminal, checks) > 0 ? 1 : 0;
    } finally {
      await closeConnection(redis);
    }
  }),
};

/** The same URL (credentials, scheme, TLS files) with another host and port: the primary a Sentinel names. */
function retarget(target: RedisTarget, host: string, port: number): RedisTarget {
  const url = new URL(target.url);
  url.hostname = host.includes(":") ? `[${host}]` : host;
  url.port = String(port);
  return { ...parseRedisUrl(url.toString(), "the Sentinel's primary"), clientTls: target.clientTls };
}

/** The server's certificate: expiry, names, trust (one TLS handshake with the files of --tls-ca, --tls-cert, --tls-key). */
function certificateOf(target: RedisTarget): Promise<Check> {
  return checkCertificate(target.host, target.port, target.clientTls ?? {}, CHECK_TIMEOUT_MS);
}

/** A measurement that fails (a timeout, a refused command) is a warning, not a crash. */
async function measured(name: string, run: () => Promise<Check>): Promise<Check> {
  try {
    return await run();
  } catch (failure) {
    return warn(
      name,
      `could not measure: ${failure instanceof Error ? failure.message : String(failure)}; check the server with redis-cli --latency`,
    );
  }
}
