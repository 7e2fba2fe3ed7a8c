/**
 * Stored value framing: `<kind>|<freshUntilMs>|<version>|<payload>` (architecture.md, "Stored value").
 * kind `v` is a value, `n` a remembered not-found. The header is ASCII, so Lua can read the version
 * of any value, whatever the serializer.
 */
export type EnvelopeKind = "v" | "n";

export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly freshUntil: number;
  readonly version: string;
  readonly payload: Buffer;
}

const PIPE = 0x7c;
const MAX_HEADER = 80;
const DIGITS = /^\d{1,16}$/;
export const VERSION_TEXT = /^-?\d{1,40}(?:\.\d{1,20})?$/;

export function buildEnvelope(kind: EnvelopeKind, freshUntil: number, version: string, payload?: Buffer): Buffer {
  const header = Buffer.from(`${kind}|${Math.floor(freshUntil)}|${version}|`, "latin1");
  return payload && payload.length ? Buffer.concat([header, payload]) : header;
}

/** A parsed header; the payload is `raw.subarray(offset)`. */
export interface Header {
  readonly kind: EnvelopeKind;
  readonly freshUntil: number;
  readonly version: string;
  /** Where the payload starts in the stored bytes. */
  readonly offset: number;
}

/**
 * Reads the header of a stored value byte by byte (the hit path: no intermediate strings or
 * buffers); undefined when it is malformed. Accepts exactly what `parseEnvelope` accepts.
 */
export function readHeader(raw: Buffer): Header | undefined {
  const limit = Math.min(raw.length, MAX_HEADER);
  if (limit < 4 || raw[1] !== PIPE) return undefined;
  const kind = raw[0] === 0x76 ? "v" : raw[0] === 0x6e ? "n" : undefined;
  if (!kind) return undefined;
  // freshUntil: 1 to 16 digits, then "|"
  let i = 2;
  let fresh = 0;
  for (; i < limit; i++) {
    const c = raw[i]!;
    if (c === PIPE) break;
    if (c < 0x30 || c > 0x39) return undefined;
    fresh = fresh * 10 + (c - 0x30);
  }
  const digits = i - 2;
  if (i >= limit || digits < 1 || digits > 16) return undefined;
  // above 15 digits the running sum may round differently from Number(text): use the text
  if (digits > 15) fresh = Number(raw.toString("latin1", 2, i));
  const second = i;
  const third = raw.indexOf(PIPE, second + 1);
  if (third < 0 || third >= limit) return undefined;
  let version = "";
  if (third > second + 1) {
    version = raw.toString("latin1", second + 1, third);
    if (!VERSION_TEXT.test(version)) return undefined;
  }
  return { kind, freshUntil: fresh, version, offset: third + 1 };
}

/** Parses a stored value; undefined when the header is malformed. */
export function parseEnvelope(raw: Buffer): Envelope | undefined {
  const header = readHeader(raw);
  if (!header) return undefined;
  return { kind: header.kind, freshUntil: header.freshUntil, version: header.version, payload: raw.subarray(header.offset) };
}

/** The original header parser, kept as the reference `readHeader` is tested against. */
export function parseEnvelopeReference(raw: Buffer): Envelope | undefined {
  const limit = Math.min(raw.length, MAX_HEADER);
  const first = raw.indexOf(PIPE);
  if (first !== 1 || limit < 4) return undefined;
  const kind = raw[0] === 0x76 ? "v" : raw[0] === 0x6e ? "n" : undefined;
  if (!kind) return undefined;
  const second = raw.indexOf(PIPE, 2);
  if (second < 0 || second >= limit) return undefined;
  const third = raw.indexOf(PIPE, second + 1);
  if (third < 0 || third >= limit) return undefined;
  const fresh = raw.toString("latin1", 2, second);
  const version = raw.toString("latin1", second + 1, third);
  if (!DIGITS.test(fresh)) return undefined;
  if (version !== "" && !VERSION_TEXT.test(version)) return undefined;
  return { kind, freshUntil: Number(fresh), version, payload: raw.subarray(third + 1) };
}
