import type { Check } from "../redis-checks/check.js";
import { plural } from "./display.js";
import type { Terminal } from "./terminal.js";

/**
 * Prints one `name: severity: message` line per check (its details indented under it) and a
 * summary; returns how many are errors.
 */
export function printChecks(terminal: Terminal, checks: readonly Check[]): number {
  const { out } = terminal;
  const paint = { ok: out.style.green, warn: out.style.yellow, error: out.style.red };
  for (const check of checks) {
    out.line(`${check.name}: ${paint[check.severity](check.severity)}: ${check.message}`);
    for (const detail of check.details ?? []) out.line(`  ${detail}`);
  }
  const errors = checks.filter((check) => check.severity === "error").length;
  const warnings = checks.filter((check) => check.severity === "warn").length;
  out.line(
    errors + warnings === 0 ? "All checks passed." : `${plural(errors, "error")}, ${plural(warnings, "warning")}.`,
  );
  return errors;
}
