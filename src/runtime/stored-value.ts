import { gunzipSync, gzipSync } from "node:zlib";
import { luaFunction } from "./scripts/lua-function.js";

/**
 * The stored value: `<kind>|<freshUntilMs>|<version>|<payload>`, built and read here, in TypeScript
 * and in the Lua the scripts share. Kind `v` is a value, `n` a remembered not-found (no payload),
 * `c` a value whose payload is the serializer's bytes compressed with PAYLOAD_CODEC (an entity's
 * `compress` option; readers take both value kinds, so turning it on or off needs no new namespace).
 * The header is ASCII, so Lua can compare versions and restamp freshness whatever the serializer.
 */

/**
 * A value as sent to Redis: a string for JSON (ioredis then writes the whole command as one string;
 * a Buffer argument switches it to assembling the command piece by piece, a measurable share of a
 * write), bytes for msgpack. Redis stores the same bytes either way.
 */
export type StoredValue = string | Buffer;

export type StoredKind = "v" | "n" | "c";

/**
 * The codec of kind `c` payloads: gzip, level 6. Measured on a 20 KB entity (bench
 * `--only=compression`): the cheapest decode of gzip, deflate-raw and brotli (q4, q6, q11) at about
 * the same ratio (0.31; brotli q11 reaches 0.26 at ~100 ms per encode), and gzip's CRC-32 checks
 * what it inflates. Reads outnumber writes, so decode cost decided.
 */
export const PAYLOAD_CODEC = "gzip level 6";

/** A value whose serialized payload is compressed (kind `c`). */
export function storedCompressed(freshUntil: number, version: string, payload: Buffer): Buffer {
  const header = Buffer.from(`c|${Math.floor(freshUntil)}|${version}|`, "latin1");
  return Buffer.concat([header, gzipSync(payload, { level: 6 })]);
}

/**
 * The serializer's bytes of a kind `c` value. Untrusted input: inflating stops at `maxBytes` (a
 * small hostile payload can claim gigabytes) and throws then, or on corrupt data.
 */
export function decompressedPayload(raw: Buffer, offset: number, maxBytes: number): Buffer {
  return gunzipSync(raw.subarray(offset), { maxOutputLength: maxBytes });
}

/** A version as the header holds it: an integer or decimal, as text (epoch ms for datetimes). */
export const VERSION_TEXT = /^-?\d{1,40}(?:\.\d{1,20})?$/;

/**
 * The freshUntil of a write-behind value whose write is still queued: readers always take it as
 * fresh (no refresh, no stale-while-revalidate) until the write lands and the worker restamps it.
 */
export const PENDING_FRESH_UNTIL = Number.MAX_SAFE_INTEGER;

/** A value whose payload is JSON text. */
export function storedText(freshUntil: number, version: string, json: string): string {
  return `v|${Math.floor(freshUntil)}|${version}|${json}`;
}

/** A value whose payload is bytes (msgpack). */
export function storedBytes(freshUntil: number, version: string, payload: Buffer): Buffer {
  const header = Buffer.from(`v|${Math.floor(freshUntil)}|${version}|`, "latin1");
  return payload.length ? Buffer.concat([header, payload]) : header;
}

/** A remembered not-found. */
export function storedNotFound(freshUntil: number): string {
  return `n|${Math.floor(freshUntil)}||`;
}

/** A parsed header; the payload is `raw.subarray(offset)`. */
export interface StoredHeader {
  readonly kind: StoredKind;
  readonly freshUntil: number;
  readonly version: string;
  /** Where the payload starts in the stored bytes. */
  readonly offset: number;
}

const PIPE = 0x7c;
const MAX_HEADER = 80;
const DIGITS = /^\d{1,16}$/;

/**
 * Reads the header of a stored value byte by byte (the hit path: no intermediate strings or
 * buffers); undefined when it is malformed. Accepts exactly what `readHeaderReference` accepts.
 */
export function readHeader(raw: Buffer): StoredHeader | undefined {
  const limit = Math.min(raw.length, MAX_HEADER);
  if (limit < 4 || raw[1] !== PIPE) return undefined;
  const kind = kindOf(raw[0]);
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

function kindOf(byte: number | undefined): StoredKind | undefined {
  return byte === 0x76 ? "v" : byte === 0x6e ? "n" : byte === 0x63 ? "c" : undefined;
}

/** The straightforward header parser, kept as the reference `readHeader` is tested against. */
export function readHeaderReference(raw: Buffer): StoredHeader | undefined {
  const limit = Math.min(raw.length, MAX_HEADER);
  const first = raw.indexOf(PIPE);
  if (first !== 1 || limit < 4) return undefined;
  const kind = kindOf(raw[0]);
  if (!kind) return undefined;
  const second = raw.indexOf(PIPE, 2);
  if (second < 0 || second >= limit) return undefined;
  const third = raw.indexOf(PIPE, second + 1);
  if (third < 0 || third >= limit) return undefined;
  const fresh = raw.toString("latin1", 2, second);
  const version = raw.toString("latin1", second + 1, third);
  if (!DIGITS.test(fresh)) return undefined;
  if (version !== "" && !VERSION_TEXT.test(version)) return undefined;
  return { kind, freshUntil: Number(fresh), version, offset: third + 1 };
}

/** Lua `newer(a, b)`: whether version text a is newer than b (digit strings of any length, or numbers). */
export const LUA_NEWER = luaFunction(
  "newer",
  `
local function newer(a, b)
  if string.match(a, '^%d+$') and string.match(b, '^%d+$') then
    a = (string.gsub(a, '^0+(%d)', '%1'))
    b = (string.gsub(b, '^0+(%d)', '%1'))
    if #a ~= #b then return #a > #b end
    return a > b
  end
  local x, y = tonumber(a), tonumber(b)
  if x == nil or y == nil then return false end
  return x > y
end`,
);

/** Lua `stored_version(v)`: the header version of a value, compressed or not ('' when it has none); nil for a not-found or a malformed header. */
export const LUA_STORED_VERSION = luaFunction(
  "stored_version",
  `
local function stored_version(v)
  return string.match(v, '^[vc]|%d*|([^|]*)|')
end`,
);

/** Lua `newer_stored(v, version)`: whether the stored value v has a version newer than `version` (text, '' for none). */
export const LUA_NEWER_STORED = luaFunction(
  "newer_stored",
  `
local function newer_stored(v, version)
  if version == '' or v == '' then return false end
  local current = stored_version(v)
  return current ~= nil and current ~= '' and newer(current, version)
end`,
  [LUA_NEWER, LUA_STORED_VERSION],
);

/** Lua `stored_kind(v)`: 'v' (a value), 'c' (a compressed value) or 'n' (a remembered not-found); nil when the header is malformed. */
export const LUA_STORED_KIND = luaFunction(
  "stored_kind",
  `
local function stored_kind(v)
  if not string.find(v, '|', 3, true) then return nil end
  local kind = string.sub(v, 1, 1)
  if kind == 'v' or kind == 'c' or kind == 'n' then return kind end
  return nil
end`,
);

/** Lua `with_fresh_until(v, freshUntil)`: the stored value `v` (of a known kind) with its header's freshUntil replaced. */
export const LUA_WITH_FRESH_UNTIL = luaFunction(
  "with_fresh_until",
  `
local function with_fresh_until(v, freshUntil)
  local bar = string.find(v, '|', 3, true)
  return string.sub(v, 1, 1) .. '|' .. freshUntil .. string.sub(v, bar)
end`,
);
