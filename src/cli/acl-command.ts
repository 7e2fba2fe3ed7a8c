import { aclRuleLines } from "../redis-checks/acl-rule.js";
import { parseFlags, projectFlags, UsageError } from "./arguments.js";
import type { Command } from "./command.js";
import { loadModel } from "./load-model.js";

const defaultUser = "cachegen";

export const aclCommand: Command = {
  name: "acl",
  synopsis: "acl [--user NAME]",
  summary: `print the least-privilege ACL SETUSER rule for the app's Redis user (default user "${defaultUser}")`,
  async run(args, terminal) {
    const flags = parseFlags(args, { ...projectFlags, user: { type: "string" } });
    const user = flags.user ?? defaultUser;
    if (!/^[\w.@-]+$/.test(user)) {
      throw new UsageError(`--user ${JSON.stringify(user)}: use letters, digits and . _ @ - only, so the rule pastes safely`);
    }
    const project = await loadModel(terminal, flags, "acl");
    if (!project) return 1;
    for (const line of aclRuleLines(project.model, user)) terminal.out.line(line);
    return 0;
  },
};
