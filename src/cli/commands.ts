import { checkCommand } from "./check-command.js";
import type { Command } from "./command.js";
import { generateCommand } from "./generate-command.js";
import { initCommand } from "./init-command.js";
import { validateCommand } from "./validate-command.js";

/** Every command the CLI offers, in the order the usage text lists them. */
export const commands: readonly Command[] = [initCommand, generateCommand, checkCommand, validateCommand];
