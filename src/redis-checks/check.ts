/** One line of `cachegen doctor`: what was checked, how it went, and what to do about it. */
export interface Check {
  readonly name: string;
  readonly severity: "ok" | "warn" | "error";
  readonly message: string;
}

export const ok = (name: string, message: string): Check => ({ name, severity: "ok", message });
export const warn = (name: string, message: string): Check => ({ name, severity: "warn", message });
export const error = (name: string, message: string): Check => ({ name, severity: "error", message });
