import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { CachegenError } from "./errors.js";

/**
 * AES-256-GCM for `encrypt: true` fields. Ciphertext text: `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>`
 * (base64). The key id travels with the value, so keys rotate: new values use `current`, old ones
 * decrypt while their key is still listed. The additional data binds a ciphertext to its entity,
 * field and key, so it cannot be moved to another entry.
 */
const ENCRYPTED_PREFIX = "enc:v1:";
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export interface EncryptionKeys {
  current: string;
  keys: Record<string, Uint8Array>;
}

export class FieldCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly current: string;

  constructor(entity: string, fields: readonly string[], options: EncryptionKeys | undefined) {
    if (!options) {
      throw new CachegenError(
        `${entity} has encrypted fields (${fields.join(", ")}): pass encryptionKeys: { current, keys } (32-byte AES-256-GCM keys by id) to the repository`,
      );
    }
    for (const [id, key] of Object.entries(options.keys)) {
      if (!KEY_ID.test(id))
        throw new CachegenError(`${entity}: encryption key id ${JSON.stringify(id)} must match ${KEY_ID}`);
      if (!(key instanceof Uint8Array) || key.length !== 32) {
        throw new CachegenError(
          `${entity}: encryption key "${id}" must be 32 bytes (AES-256), got ${key instanceof Uint8Array ? key.length : typeof key}`,
        );
      }
      this.keys.set(id, Buffer.from(key));
    }
    if (!this.keys.has(options.current)) {
      throw new CachegenError(
        `${entity}: encryptionKeys.current "${options.current}" is not among encryptionKeys.keys`,
      );
    }
    this.current = options.current;
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keys.get(this.current)!, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${ENCRYPTED_PREFIX}${this.current}:${iv.toString("base64")}:${tag.toString("base64")}:${ct.toString("base64")}`;
  }

  /** The plaintext, or undefined when the text is not ours, the key is unknown, or it was tampered with. */
  decrypt(text: string, aad: string): string | undefined {
    if (!text.startsWith(ENCRYPTED_PREFIX)) return undefined;
    const parts = text.slice(ENCRYPTED_PREFIX.length).split(":");
    if (parts.length !== 4) return undefined;
    const [id, ivText, tagText, ctText] = parts as [string, string, string, string];
    const key = this.keys.get(id);
    if (!key) return undefined;
    try {
      const iv = Buffer.from(ivText, "base64");
      const tag = Buffer.from(tagText, "base64");
      if (iv.length !== 12 || tag.length !== 16) return undefined;
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctText, "base64")), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
