/** What the user wrote, as it appears in messages: `"1 hour"`, `3600`, `true`, `{…}`, `[…]`. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return "[…]";
  if (value !== null && typeof value === "object") return "{…}";
  return JSON.stringify(value) ?? String(value);
}

/** `` `a`, `b` or `c` `` */
export function listNames(names: readonly string[], conjunction = "or"): string {
  const quoted = names.map((name) => `\`${name}\``);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted.at(-1)}`;
}
