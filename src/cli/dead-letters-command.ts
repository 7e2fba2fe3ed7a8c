import type { Redis } from "ioredis";
import {
  closeConnection,
  ConnectionError,
  connectToServer,
  type ServerConnection,
} from "../redis-checks/connection.js";
import { keyNodes, type KeyNode } from "../redis-checks/key-nodes.js";
import type { CommandClient } from "../runtime/command-client.js";
import {
  countDeadLetters,
  readDeadLetters,
  replayDeadLetters,
  type DeadLetterStream,
} from "../runtime/write-behind-dead-letters.js";
import { didYouMean } from "../suggest.js";
import { parseFlagsAndPositionals, UsageError } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { loadModel } from "./load-model.js";
import { withoutSecrets } from "./redaction.js";
import { connectionProblem, keysUnderPrefix, redisTarget } from "./redis-target.js";

/** Dead letters listed per entity. */
const SHOWN = 20;
/** Dead letters replayed per script call. */
const REPLAY_BATCH = 500;

export const deadLettersCommand: Command = {
  name: "dead-letters",
  run: withoutSecrets(async (args, terminal) => {
    const { flags, positionals } = parseFlagsAndPositionals(args, flagsOf("dead-letters"));
    if (positionals.length > 1) throw new UsageError(`takes at most one entity, got ${positionals.join(" ")}`);
    const [named] = positionals;
    const target = redisTarget(flags.redis, process.env, flags);
    const project = await loadModel(terminal, flags, "dead-letters");
    if (!project) return 1;
    const keys = keysUnderPrefix(project.model, flags["key-prefix"]);
    const writeBehind = project.model.entities.filter((entity) => entity.strategy === "write-behind");
    const entities = named === undefined ? writeBehind : writeBehind.filter((entity) => entity.name === named);
    if (entities.length === 0) {
      const known = writeBehind.map((entity) => entity.name);
      const declared = project.model.entities.some((entity) => entity.name === named);
      terminal.err.line(
        named === undefined
          ? "cachegen dead-letters: no write-behind entity in the schemas"
          : declared
            ? `cachegen dead-letters: ${named} is not a write-behind entity; write-behind entities: ${known.join(", ") || "none"}`
            : `cachegen dead-letters: no entity "${named}" in the schemas${didYouMean(named, known)}; write-behind entities: ${known.join(", ") || "none"}`,
      );
      return 1;
    }

    let connection: ServerConnection;
    try {
      connection = await connectToServer(target.url, target.clientTls);
    } catch (failure) {
      if (!(failure instanceof ConnectionError)) throw failure;
      terminal.err.line(`cachegen dead-letters: ${connectionProblem(target, failure)}`);
      return 1;
    }
    const nodes = await keyNodes(connection, target.url);
    try {
      for (const entity of entities) {
        const stream: DeadLetterStream = {
          prefix: keys.prefix,
          entity: entity.name,
          ...(entity.writeBehind && { partitions: entity.writeBehind.partitions }),
        };
        const client = async (key: string) => (await ownerOf(nodes.nodes, key)) as unknown as CommandClient;
        const total = await countDeadLetters(client, stream);
        if (flags.replay) {
          let replayed = 0;
          for (;;) {
            const taken = await replayDeadLetters(client, stream, REPLAY_BATCH);
            if (taken === 0) break;
            replayed += taken;
          }
          const left = await countDeadLetters(client, stream);
          terminal.out.line(
            `${entity.name}: ${replayed} of ${total} dead letter(s) queued again${left ? ` (${left} left: not entries this runtime wrote)` : ""}; a running worker writes them to the source`,
          );
          continue;
        }
        terminal.out.line(`${entity.name}: ${total} dead letter(s) in ${keys.prefix}${entity.name}:{…}:dlq`);
        for (const letter of await readDeadLetters(client, stream, SHOWN)) {
          terminal.out.line(
            `  ${letter.id}  ${letter.op} ${letter.key}  attempts ${letter.attempts}  ${letter.error.split("\n")[0]}`,
          );
        }
        if (total > SHOWN) terminal.out.line(`  ... ${total - SHOWN} more`);
      }
      if (!flags.replay && entities.length)
        terminal.out.line("Fix what the source refused, then replay them: cachegen dead-letters --replay [Entity]");
      return 0;
    } catch (failure) {
      const message = failure instanceof Error ? failure.message : String(failure);
      terminal.err.line(`cachegen dead-letters: ${target.shown} failed: ${message}`);
      return 1;
    } finally {
      await nodes.close();
      await closeConnection(connection.redis);
    }
  }),
};

/** The node holding `key`: on a cluster, the primary that does not answer MOVED for it. */
async function ownerOf(nodes: readonly KeyNode[], key: string): Promise<Redis> {
  if (nodes.length === 1) return nodes[0]!.redis;
  for (const node of nodes) {
    try {
      await node.redis.call("XLEN", key);
      return node.redis;
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("MOVED"))) throw error;
    }
  }
  throw new Error(`no primary holds ${key}`);
}
