import type { ProjectModel } from "../model/model.js";
import { commandsOfFeature, commandsOfFeatures, runtimeCommands } from "../runtime/commands.js";
import type { ProjectKeys } from "./entity-layout.js";
import { featuresInUse } from "./features-in-use.js";

/** Printed in place of the password; the user replaces it before running the rule. */
export const PASSWORD_PLACEHOLDER = "REPLACE-WITH-A-STRONG-PASSWORD";

export interface AclRuleOptions {
  readonly user: string;
  /** The database the app's connection selects (its URL's `/2`); 0, the default, needs no SELECT. */
  readonly db: number;
}

/**
 * The least-privilege `ACL SETUSER` rule for the application's Redis user, preceded by `#` comment
 * lines that say why each part is there. The rule is one line, with the arguments a shell or
 * redis-cli would misread quoted, so it can be pasted after `redis-cli` or at its prompt.
 */
export function aclRuleLines(model: ProjectModel, keys: ProjectKeys, { user, db }: AclRuleOptions): string[] {
  const features = featuresInUse(model);
  const everyEntity = model.entities.map((entity) => entity.name);
  const channels = keys.entities
    .filter(({ entity }) => entity.l1 !== undefined)
    .map((entity) => entity.l1ChannelPattern);
  const commands = [...commandsOfFeatures(features.map((use) => use.feature)), ...(db > 0 ? ["SELECT"] : [])].sort();

  const comments = [
    `Least privilege for the application's Redis user over ${everyEntity.length === 1 ? "1 entity" : `${everyEntity.length} entities`} (${everyEntity.join(", ")}).`,
    `Replace ${PASSWORD_PLACEHOLDER}; the rule needs Redis >= 6.2 (channel rules). Persist it with ACL SAVE (aclfile) or CONFIG REWRITE.`,
    `keys ~${keys.aclKeyPattern}: every key of every entity starts with the key prefix (if the app passes its own keyPrefix to its repositories, print the rule with --key-prefix <it>)`,
    channels.length === 0
      ? "channels: none (no entity has l1)"
      : `channels ${channels.map((channel) => `&${channel}`).join(" ")}: the l1 invalidation channel of each entity with l1, in every namespace`,
    ...features.map(({ feature, entities }) => {
      const who = entities.length === everyEntity.length ? "every entity" : entities.join(", ");
      return `${feature} (${who}): ${runtimeCommands[feature].why}: ${grants(commandsOfFeature(feature))}`;
    }),
    db > 0
      ? `+select: the app's connection uses database ${db}, and ioredis sends SELECT ${db} on every connect (ACL cannot limit SELECT to one database; the key pattern applies in each)`
      : "not granted: +select, needed when the app's URL names a database (redis://host:6379/2): without it every connection is refused NOPERM; print the rule with --redis <the app's URL> or --db <n> to grant it",
    "+eval lets this user run scripts of its own, but Redis checks this rule on every redis.call inside a script, so a script reaches no command or key the rule does not grant; what it adds is server time (a slow script blocks Redis for every client until it ends, or an admin sends SCRIPT KILL once busy-reply-threshold, 5 s by default, has passed). The runtime sends EVALSHA and falls back to EVAL when the server lacks the script (after a restart or failover: the script cache is not persisted), so EVALSHA alone would leave the app uncached until an admin loaded every script again",
    `not granted: ${grants(commandsOfFeature("cluster-connection"))}, needed on a Redis Cluster: ${runtimeCommands["cluster-connection"].why}`,
    ...maintenanceNote(commands),
    "not granted: CLIENT SETINFO, which ioredis sends on connect and ignores when refused (ioredis option disableClientInfo: true stops it), nor CLIENT SETNAME, which an ioredis Cluster sends for the connections it names (its slot refresher, its subscriber) and ignores when refused: both refusals land in ACL LOG and are harmless",
    "the password goes to the server in AUTH on every connect: off loopback, connect over TLS (rediss://user:password@host:port; ioredis option tls: { ca } when a CA of your own signed the server's certificate), and check it with `cachegen doctor --redis rediss://... --tls-ca FILE`",
  ];
  const rule = [
    "ACL",
    "SETUSER",
    user,
    "on",
    "resetpass",
    `>${PASSWORD_PLACEHOLDER}`,
    "resetkeys",
    `~${keys.aclKeyPattern}`,
    "resetchannels",
    ...channels.map((channel) => `&${channel}`),
    "-@all",
    ...commands.map(grant),
  ];
  return [...comments.map((comment) => `# ${comment}`), rule.map(quoteForShell).join(" ")];
}

function grant(command: string): string {
  return `+${command.toLowerCase()}`;
}

function grants(commands: readonly string[]): string {
  return commands.map(grant).join(" ");
}

function quoteForShell(argument: string): string {
  return /^[\w@+.:-]+$/.test(argument) ? argument : `"${argument}"`;
}

/** What the rule says of the operator's tools: not granted (run them as an admin), unless the runtime's own features grant them already. */
function maintenanceNote(commands: readonly string[]): string[] {
  const missing = commandsOfFeature("maintenance").filter((command) => !commands.includes(command));
  const why = runtimeCommands.maintenance.why;
  return missing.length ? [`not granted: ${grants(missing)}: ${why}; run it as an admin user`] : [];
}
