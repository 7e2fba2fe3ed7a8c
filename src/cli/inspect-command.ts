import {
  closeConnection,
  ConnectionError,
  connectToServer,
  type ServerConnection,
} from "../redis-checks/connection.js";
import type { EntityKeys, ProjectKeys } from "../redis-checks/entity-layout.js";
import { inspectEntities } from "../redis-checks/inspection.js";
import { SAMPLE_SIZE, SCAN_BATCH, takeCensus } from "../redis-checks/key-census.js";
import { keyNodes } from "../redis-checks/key-nodes.js";
import { didYouMean } from "../suggest.js";
import { parseFlagsAndPositionals, UsageError } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { inspectReport } from "./inspect-report.js";
import { loadModel } from "./load-model.js";
import { withoutSecrets } from "./redaction.js";
import { connectionProblem, keysUnderPrefix, redisTarget, type RedisTarget } from "./redis-target.js";

export const inspectCommand: Command = {
  name: "inspect",
  run: withoutSecrets(async (args, terminal) => {
    const { flags, positionals } = parseFlagsAndPositionals(args, flagsOf("inspect"));
    if (positionals.length > 1) throw new UsageError(`takes at most one entity, got ${positionals.join(" ")}`);
    const [named] = positionals;
    const target = redisTarget(flags.redis, process.env, flags);
    const project = await loadModel(terminal, flags, "inspect");
    if (!project) return 1;
    const keys = keysUnderPrefix(project.model, flags["key-prefix"]);
    const known = keys.entities.map(({ entity }) => entity.name);
    const entities = named === undefined ? keys.entities : keys.entities.filter(({ entity }) => entity.name === named);
    if (entities.length === 0) {
      terminal.err.line(
        `cachegen inspect: no entity "${named}" in the schemas${didYouMean(named!, known)}; known entities: ${known.join(", ")}`,
      );
      return 1;
    }

    let connection: ServerConnection;
    try {
      connection = await connectToServer(target.url, target.clientTls);
    } catch (failure) {
      if (!(failure instanceof ConnectionError)) throw failure;
      terminal.err.line(`cachegen inspect: ${connectionProblem(target, failure)}`);
      return 1;
    }
    try {
      for (const line of await inspectServer(connection, target, keys, entities, named !== undefined))
        terminal.out.line(line);
      return 0;
    } catch (failure) {
      const message = failure instanceof Error ? failure.message : String(failure);
      const advice = /NOPERM/.test(message)
        ? "inspect needs SCAN, PTTL, XLEN and XPENDING (and MEMORY USAGE for its memory column); the rule `cachegen acl` prints grants them all but MEMORY USAGE, so run it as that user with the rule as printed, or as an operator's user"
        : "try again, or check the server with `cachegen doctor`";
      terminal.err.line(`cachegen inspect: ${target.shown} failed: ${message}; ${advice}`);
      return 1;
    } finally {
      await closeConnection(connection.redis);
    }
  }),
};

/** Scans the server (every primary of a cluster) and reports on `entities`; `narrowed`: the scan covers their keys alone. */
async function inspectServer(
  connection: ServerConnection,
  target: RedisTarget,
  keys: ProjectKeys,
  entities: readonly EntityKeys[],
  narrowed: boolean,
): Promise<string[]> {
  const nodes = await keyNodes(connection, target.url);
  try {
    const census = await takeCensus(nodes.nodes, keys, narrowed ? entities[0] : undefined);
    const inspections = await inspectEntities(nodes, entities, census);
    const where =
      nodes.nodes.length === 1
        ? "1 node"
        : `${nodes.nodes.length} cluster primaries (${nodes.nodes.map((node) => node.address).join(", ")})`;
    return [
      `${target.shown}: SCAN MATCH ${census.match} COUNT ${SCAN_BATCH} on ${where}; memory and TTLs from up to ${SAMPLE_SIZE} sampled keys per namespace`,
      "",
      ...inspectReport(inspections, census, keys.prefix),
    ];
  } finally {
    await nodes.close();
  }
}
