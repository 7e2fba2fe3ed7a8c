import { compareCodeUnits } from "./compare-code-units.js";

/** A problem in a schema file, at a 1-based line and column. */
export interface Diagnostic {
  /** Project-relative path with `/` separators, e.g. `schemas/user.yaml`; never absolute. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly severity: "error";
  readonly message: string;
}

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export function errorAt(file: string, position: SourcePosition, message: string): Diagnostic {
  return { file, line: position.line, column: position.column, severity: "error", message };
}

/** `schemas/user.yaml:7:8: error: ttl "1 hour" is not a duration (...)` */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const { file, line, column, severity, message } = diagnostic;
  return `${file}:${line}:${column}: ${severity}: ${message}`;
}

/** By file, line, column, then message; code-unit order, so the result is the same on every machine. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareCodeUnits(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareCodeUnits(a.message, b.message),
  );
}
