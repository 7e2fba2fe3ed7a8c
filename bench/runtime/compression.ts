/**
 * Compression (`compress: { over: 1kb }`): the codecs Node ships (gzip, deflate-raw, brotli at a few
 * levels) on one ~20 KB entity (a product page: text, 60 reviews, attributes; seeded, so every run
 * has the same bytes). Size and ratio against the uncompressed JSON payload, and encode / decode
 * cost per value (median of rounds, alternating codecs within each round), all in the same run;
 * decode is also shown against JSON.parse of the uncompressed payload (what every read pays anyway).
 * No Redis: the cost is the client's CPU.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  gzipSync,
  gunzipSync,
  inflateRawSync,
} from "node:zlib";
import type { BenchContext } from "../lib/context.js";
import type { BenchSection } from "../report.js";

const WORDS =
  "tea leaf green black oolong white brew steep cup pot aroma smooth bitter sweet floral earthy fresh harvest spring autumn garden estate hand rolled roasted notes honey citrus malt smoky delicate bold".split(
    " ",
  );

/** A deterministic PRNG (mulberry32), so the entity is the same bytes in every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ~20 KB entity, as its JSON payload. */
export function twentyKbPayload(): Buffer {
  const next = random(42);
  const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" ");
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const entity = {
    sku: "TEA-0042",
    name: "Estate Oolong",
    description: words(400),
    priceCents: "1850",
    attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`attr${i}`, words(3)])),
    reviews: Array.from({ length: 60 }, (_, i) => ({
      id: uuid(),
      customerId: uuid(),
      stars: 1 + Math.floor(next() * 5),
      body: words(12 + Math.floor(next() * 10)),
      postedAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000 * 7).toISOString(),
      helpfulVotes: Math.floor(next() * 100),
    })),
    updatedAt: "2024-05-06T07:08:09.000Z",
  };
  return Buffer.from(JSON.stringify(entity), "utf8");
}

interface Candidate {
  readonly name: string;
  encode(payload: Buffer): Buffer;
  decode(compressed: Buffer, limit: number): Buffer;
}

const brotli = (quality: number): Candidate => ({
  name: `brotli q${quality}`,
  encode: (p) =>
    brotliCompressSync(p, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_SIZE_HINT]: p.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }),
  decode: (c, limit) => brotliDecompressSync(c, { maxOutputLength: limit }),
});

export const CANDIDATES: readonly Candidate[] = [
  {
    name: "gzip 1",
    encode: (p) => gzipSync(p, { level: 1 }),
    decode: (c, limit) => gunzipSync(c, { maxOutputLength: limit }),
  },
  {
    name: "gzip 6",
    encode: (p) => gzipSync(p, { level: 6 }),
    decode: (c, limit) => gunzipSync(c, { maxOutputLength: limit }),
  },
  {
    name: "gzip 9",
    encode: (p) => gzipSync(p, { level: 9 }),
    decode: (c, limit) => gunzipSync(c, { maxOutputLength: limit }),
  },
  {
    name: "deflate-raw 6",
    encode: (p) => deflateRawSync(p, { level: 6 }),
    decode: (c, limit) => inflateRawSync(c, { maxOutputLength: limit }),
  },
  brotli(4),
  brotli(6),
  brotli(11),
];

function microsPer(run: () => void, minMs: number): number {
  let n = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0n;
  const limit = BigInt(minMs) * 1_000_000n;
  while (elapsed < limit) {
    run();
    n += 1;
    elapsed = process.hrtime.bigint() - started;
  }
  return Number(elapsed) / 1000 / n;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function runCompressionBench(ctx: BenchContext): Promise<BenchSection[]> {
  const payload = twentyKbPayload();
  const limit = 4 * 1024 * 1024;
  const compressed = new Map(CANDIDATES.map((c) => [c.name, c.encode(payload)]));
  const encodeRounds = new Map<string, number[]>(CANDIDATES.map((c) => [c.name, []]));
  const decodeRounds = new Map<string, number[]>(CANDIDATES.map((c) => [c.name, []]));
  const parseRounds: number[] = [];
  const slice = Math.max(20, Math.floor(ctx.durationMs / 5));
  for (let round = 0; round < ctx.rounds; round++) {
    const order = round % 2 === 0 ? CANDIDATES : [...CANDIDATES].reverse();
    parseRounds.push(microsPer(() => JSON.parse(payload.toString("utf8")), slice));
    for (const candidate of order) {
      const bytes = compressed.get(candidate.name)!;
      encodeRounds.get(candidate.name)!.push(microsPer(() => candidate.encode(payload), slice));
      decodeRounds.get(candidate.name)!.push(microsPer(() => candidate.decode(bytes, limit), slice));
    }
    ctx.log(`compression round ${round + 1}/${ctx.rounds}`);
  }
  const parse = median(parseRounds);
  const rows = [
    {
      name: "uncompressed (JSON)",
      bytes: payload.length,
      ratio: 1,
      "encode µs": 0,
      "decode µs": 0,
      "decode / JSON.parse": 0,
    },
    ...CANDIDATES.map((candidate) => {
      const bytes = compressed.get(candidate.name)!.length;
      const decode = median(decodeRounds.get(candidate.name)!);
      return {
        name: candidate.name,
        bytes,
        ratio: Number((bytes / payload.length).toFixed(3)),
        "encode µs": Number(median(encodeRounds.get(candidate.name)!).toFixed(1)),
        "decode µs": Number(decode.toFixed(1)),
        "decode / JSON.parse": Number((decode / parse).toFixed(2)),
      };
    }),
  ];
  return [
    {
      title: "Compression (20 KB entity)",
      rows,
      notes: [
        `One ${payload.length}-byte JSON payload (a product page: description, 20 attributes, 60 reviews), seeded. ratio = compressed / uncompressed bytes; µs per value, median of ${ctx.rounds} rounds, codecs alternating in each round; JSON.parse of the uncompressed payload: ${parse.toFixed(1)} µs in the same run.`,
        "cachegen stores `compress` values with gzip level 6 (kind `c`): see README, Compression.",
      ],
    },
  ];
}
