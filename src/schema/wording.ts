import type { PropertyPath } from "./locate.js";

/**
 * How messages name a place in a document: `ttl`, `l1.ttl`, `fields.status.values`, `tags[1]`.
 * An entity inside `entities: [...]` is named from itself; the line number says which one it is.
 */
export function describePath(path: PropertyPath): string {
  const relative = path[0] === "entities" && typeof path[1] === "number" && path.length > 2 ? path.slice(2) : path;
  let text = "";
  for (const segment of relative) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

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
