// Names in generated code: entity names that collide with the generated suffixes, tag methods that
// cannot be read as another entity's, and fields named like members of every JavaScript object.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix } from "cachegen/runtime";
import { generate, type GenerateResult } from "../../src/generate.js";
import { connect, uniquePrefix } from "../runtime/helpers.js";
import { compileGenerated } from "./compile-generated.js";

const schema = (entity: string, rest: string) =>
  `entity: ${entity}\nkey: id\nfields:\n  id: string\n  teamId: string\n${rest}strategy: read-through\nttl: 1h\n`;

/** `prototype` is an ordinary property of a plain object, so it may be a key; the others may be fields. */
const THING = `entity: Thing
key: prototype
fields:
  prototype: string
  constructor: string
  toString: string
  valueOf: int
  hasOwnProperty: boolean
  row: string
  isPrototypeOf: { type: object, fields: { toString: string } }
strategy: write-through
ttl: 1h
indexes:
  byConstructor: { fields: [constructor] }
  byRow: { fields: [row] }
tags: ["label:{toString}"]
`;

const files = [
  { path: "schemas/tag.yaml", text: schema("Tag", "") + 'tags: ["team:{teamId}"]\n' },
  { path: "schemas/key.yaml", text: schema("Key", "") },
  { path: "schemas/source.yaml", text: schema("Source", "") },
  { path: "schemas/schema.yaml", text: schema("Schema", "") },
  { path: "schemas/post.yaml", text: schema("Post", "  authorId: string\n") + 'tags: ["author:{authorId}"]\n' },
  { path: "schemas/thing.yaml", text: THING },
];

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
let generated: GenerateResult;
const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

beforeAll(async () => {
  generated = await generate({ files, keyPrefix: "app", tests: true });
  expect(generated.diagnostics).toEqual([]);
});

describe("generated names", () => {
  it("compile with entities named Tag, Key, Source and Schema, and with fields named like Object.prototype members", () => {
    expect(compileGenerated(generated.files, join(packageRoot, "test", "generator", "names", "generated"))).toEqual([]);
  });

  it("name a tag's method invalidateBy<Tag>, and the tag type <Entity>InvalidationTag (no TagTag)", () => {
    const post = generated.files.get("post.ts") ?? "";
    expect(post).toContain("invalidateByAuthor(authorId: string, options?: InvalidateOptions): Promise<void>");
    expect(post).not.toMatch(/invalidateAuthor\b/);
    const tag = generated.files.get("tag.ts") ?? "";
    expect(tag).toContain("export type TagInvalidationTag = { teamId: string };");
    expect(tag).toContain("invalidateByTeam(teamId: string, options?: InvalidateOptions)");
    expect(tag).not.toContain("TagTag");
  });
});

describe("fields named like members of every object, at run time", () => {
  let redis: Redis;
  const prefix = uniquePrefix("names");

  interface Thing {
    prototype: string;
    constructor: string;
    toString: string;
    valueOf: number;
    hasOwnProperty: boolean;
    row: string;
    isPrototypeOf: { toString: string };
  }
  interface ThingRepository {
    get(key: string | { prototype: string }): Promise<Thing | null>;
    save(thing: Thing): Promise<void>;
    getByConstructor(value: string): Promise<Thing | null>;
    getByRow(row: string): Promise<Thing | null>;
    invalidateByLabel(value: string): Promise<void>;
    stats(): { hits: number; loads: number };
    close(): Promise<void>;
  }

  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  });

  it("cache, look up and invalidate by them like any other field", async () => {
    // Inside the package, so `cachegen/runtime` and zod resolve; the entity files only, no tests.
    const folder = mkdtempSync(join(packageRoot, "test", "generator", ".names-"));
    folders.push(folder);
    for (const [path, content] of generated.files)
      if (!path.endsWith(".test.ts")) writeFileSync(join(folder, path), content);
    const module = (await import(join(folder, "thing.ts"))) as {
      ThingRepository: new (options: object) => ThingRepository;
    };
    const row: Thing = {
      prototype: "p1",
      constructor: "c1",
      toString: "s1",
      valueOf: 3,
      hasOwnProperty: true,
      row: "r1",
      isPrototypeOf: { toString: "x" },
    };
    const rows = new Map([[row.prototype, row]]);
    const find = (match: (candidate: Thing) => boolean) => [...rows.values()].find(match) ?? null;
    const things = new module.ThingRepository({
      redis,
      keyPrefix: prefix,
      source: {
        load: async (key: { prototype: string }) => rows.get(key.prototype) ?? null,
        loadByConstructor: async (value: string) => find((candidate) => candidate.constructor === value),
        loadByRow: async (value: string) => find((candidate) => candidate.row === value),
        save: async (thing: Thing) => void rows.set(thing.prototype, thing),
        delete: async () => undefined,
      },
    });
    try {
      expect(await things.get("p1")).toEqual(row);
      expect(await things.get({ prototype: "p1" })).toEqual(row);
      expect(things.stats()).toMatchObject({ hits: 1, loads: 1 });

      const renamed = { ...row, toString: "s2" };
      await things.save(renamed);
      expect(await things.getByConstructor("c1")).toEqual(renamed);
      expect(await things.getByRow("r1")).toEqual(renamed);

      rows.set("p1", { ...renamed, valueOf: 4 });
      await things.invalidateByLabel("s2");
      expect(await things.get("p1")).toEqual({ ...renamed, valueOf: 4 });
    } finally {
      await things.close();
    }
  });
});
