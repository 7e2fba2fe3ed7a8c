/** One check of `cachegen doctor`: what was checked, how it went, and what to do about it. */
export interface Check {
  readonly name: string;
  readonly severity: "ok" | "warn" | "error";
  readonly message: string;
  /** Lines printed under the check, indented: an explanation too long for one line. */
  readonly details?: readonly string[];
}

export const ok = (name: string, message: string, details?: readonly string[]): Check => ({
  name,
  severity: "ok",
  message,
  ...(details && { details }),
});
export const warn = (name: string, message: string, details?: readonly string[]): Check => ({
  name,
  severity: "warn",
  message,
  ...(details && { details }),
});
export const error = (name: string, message: string): Check => ({ name, severity: "error", message });
