import { createHash, type BinaryLike } from "node:crypto";

/** SHA-256 of the texts (or bytes) one after the other, as hex. */
export function sha256(...texts: BinaryLike[]): string {
  const hash = createHash("sha256");
  for (const text of texts) hash.update(text);
  return hash.digest("hex");
}
