import { aclRuleLines } from "../redis-checks/acl-rule.js";
import { parseFlags, UsageError } from "./arguments.js";
import { flagsOf } from "./command-table.js";
import type { Command } from "./command.js";
import { loadModel } from "./load-model.js";

const defaultUser = "cachegen";

export const aclCommand: Command = {
  name: "acl",
  async run(args, terminal) {
    const flags = parseFlags(args, flagsOf("acl"));
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
