import type { ProjectModel } from "../model/model.js";
import { commandsOfFeature, commandsOfFeatures, runtimeCommands, type RuntimeCommand } from "../runtime/commands.js";
import { entityKeyLayout, normalizePrefix } from "../runtime/keys.js";
import { featuresInUse } from "./features-in-use.js";

/** Printed in place of the password; the user replaces it before running the rule. */
export const PASSWORD_PLACEHOLDER = "REPLACE-WITH-A-STRONG-PASSWORD";

/**
 * The least-privilege `ACL SETUSER` rule for the application's Redis user, preceded by `#` comment
 * lines that say why each part is there. The rule is one line, with the arguments a shell or
 * redis-cli would misread quoted, so it can be pasted after `redis-cli` or at its prompt.
 */
export function aclRuleLines(model: ProjectModel, user: string): string[] {
  const features = featuresInUse(model);
  const everyEntity = model.entities.map((entity) => entity.name);
  const keyPattern = `${normalizePrefix(model.keyPrefix)}*`;
  // "*" in the namespace's place: the channel of every namespace, so instances still running an
  // earlier deploy (another shape hash) keep their l1 channel during a rolling deploy.
  const channels = model.entities
    .filter((entity) => entity.l1 !== undefined)
    .map((entity) => entityKeyLayout(model.keyPrefix, entity.name, "*").channel);
  const commands = commandsOfFeatures(features.map((use) => use.feature));

  const comments = [
    `Least privilege for the application's Redis user over ${everyEntity.length === 1 ? "1 entity" : `${everyEntity.length} entities`} (${everyEntity.join(", ")}).`,
    `Replace ${PASSWORD_PLACEHOLDER}; the rule needs Redis >= 6.2 (channel rules). Persist it with ACL SAVE (aclfile) or CONFIG REWRITE.`,
    `keys ~${keyPattern}: every key of every entity starts with the key prefix (if the app passes keyPrefix to its repositories, use that prefix)`,
    channels.length === 0
      ? "channels: none (no entity has l1)"
      : `channels ${channels.map((channel) => `&${channel}`).join(" ")}: the l1 invalidation channel of each entity with l1, in every namespace`,
    ...features.map(({ feature, entities }) => {
      const who = entities.length === everyEntity.length ? "every entity" : entities.join(", ");
      return `${feature} (${who}): ${runtimeCommands[feature].why}: ${grants(commandsOfFeature(feature))}`;
    }),
    `not granted: ${grants(commandsOfFeature("cluster-connection"))}, needed on a Redis Cluster: ${runtimeCommands["cluster-connection"].why}`,
    `not granted: ${grants(commandsOfFeature("maintenance").filter((command) => !commands.includes(command)))}: ${runtimeCommands.maintenance.why}; run it as an admin user`,
    "not granted: CLIENT SETINFO, which ioredis sends on connect and ignores when refused (ioredis option disableClientInfo: true stops it)",
  ];
  const rule = [
    "ACL",
    "SETUSER",
    user,
    "on",
    "resetpass",
    `>${PASSWORD_PLACEHOLDER}`,
    "resetkeys",
    `~${keyPattern}`,
    "resetchannels",
    ...channels.map((channel) => `&${channel}`),
    "-@all",
    ...commands.map(grant),
  ];
  return [...comments.map((comment) => `# ${comment}`), rule.map(quoteForShell).join(" ")];
}

function grant(command: RuntimeCommand): string {
  return `+${command.toLowerCase()}`;
}

function grants(commands: readonly RuntimeCommand[]): string {
  return commands.map(grant).join(" ");
}

function quoteForShell(argument: string): string {
  return /^[\w@+.:-]+$/.test(argument) ? argument : `"${argument}"`;
}
