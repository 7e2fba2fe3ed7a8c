import { aclCommand } from "./acl-command.js";
import { checkCommand } from "./check-command.js";
import { deadLettersCommand } from "./dead-letters-command.js";
import type { Command } from "./command.js";
import { doctorCommand } from "./doctor-command.js";
import { generateCommand } from "./generate-command.js";
import { initCommand } from "./init-command.js";
import { inspectCommand } from "./inspect-command.js";
import { monitorCommand } from "./monitor-command.js";
import { validateCommand } from "./validate-command.js";

/** Every command the CLI offers, in the order the usage text lists them (help text: `command-table.ts`). */
export const commands: readonly Command[] = [
  initCommand,
  generateCommand,
  checkCommand,
  validateCommand,
  doctorCommand,
  inspectCommand,
  aclCommand,
  monitorCommand,
  deadLettersCommand,
];
