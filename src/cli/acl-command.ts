import { aclRuleLines } from "../redis-checks/acl-rule.js";
import { parseFlags, UsageError } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { loadModel } from "./load-model.js";
import { withoutSecrets } from "./redaction.js";
import { keysUnderPrefix, parseRedisUrl } from "./redis-target.js";

const defaultUser = "cachegen";

export const aclCommand: Command = {
  name: "acl",
  run: withoutSecrets(async (args, terminal) => {
    const flags = parseFlags(args, flagsOf("acl"));
    const user = flags.user ?? defaultUser;
    if (!/^[\w.@-]+$/.test(user)) {
      throw new UsageError(
        `--user ${JSON.stringify(user)}: use letters, digits and . _ @ - only, so the rule pastes safely`,
      );
    }
    const db = databaseOf(flags.redis, flags.db);
    const project = await loadModel(terminal, flags, "acl");
    if (!project) return 1;
    const keys = keysUnderPrefix(project.model, flags["key-prefix"]);
    for (const line of aclRuleLines(project.model, keys, { user, db })) terminal.out.line(line);
    return 0;
  }),
};

/** The database the app selects, from the app's URL or `--db`; the rule does not depend on REDIS_URL. */
function databaseOf(url: string | undefined, db: string | undefined): number {
  const fromUrl = url === undefined ? undefined : parseRedisUrl(url, "--redis").db;
  if (db !== undefined && !/^\d+$/.test(db))
    throw new UsageError(`--db ${JSON.stringify(db)}: give the database number the app's URL selects, e.g. --db 2`);
  const fromFlag = db === undefined ? undefined : Number(db);
  if (fromUrl !== undefined && fromFlag !== undefined && fromUrl !== fromFlag) {
    throw new UsageError(`--db ${fromFlag} and --redis (database ${fromUrl}) disagree; give one of them`);
  }
  return fromFlag ?? fromUrl ?? 0;
}
