import { relative, sep } from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { formatDiagnostic } from "../diagnostics.js";
import type { Terminal } from "./terminal.js";

/** A path as the user would type it from where they ran the command. */
export function displayPath(cwd: string, path: string): string {
  return (relative(cwd, path) || ".").split(sep).join("/");
}

export function displayFolder(cwd: string, path: string): string {
  return `${displayPath(cwd, path)}/`;
}

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** Prints every diagnostic compiler-style to stderr; returns how many are errors. */
export function printDiagnostics(terminal: Terminal, diagnostics: readonly Diagnostic[]): number {
  for (const diagnostic of diagnostics) terminal.err.line(formatDiagnostic(diagnostic));
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  if (errors.length > 0) {
    const files = new Set(errors.map((diagnostic) => diagnostic.file)).size;
    terminal.err.line(terminal.err.style.red(`${plural(errors.length, "error")} in ${plural(files, "schema file")}.`));
  }
  return errors.length;
}
