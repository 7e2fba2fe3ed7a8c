import { createHash } from "node:crypto";

/** SHA-256 of the texts one after the other, as hex. */
export function sha256(...texts: string[]): string {
  const hash = createHash("sha256");
  for (const text of texts) hash.update(text);
  return hash.digest("hex");
}
