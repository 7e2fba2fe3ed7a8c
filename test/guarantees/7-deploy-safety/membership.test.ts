// Guarantee 7, widened: a deploy that changes what an entry belongs to (its tags, indexes, lists)
// starts a new key namespace, so an invalidation of the new deploy never misses an entry cached
// by the previous one. Through the generator: schema -> generate() -> the generated repository.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteByPrefix, type CacheStats, type EntityDefinition, type RepositoryOptions } from "cachegen/runtime";
import { generate } from "../../../src/generate.js";
import { connect, uniquePrefix } from "../../runtime/helpers.js";

interface Member {
  id: string;
  teamId: string;
  name: string;
}
interface MemberSource {
  load(key: { id: string }): Promise<Member | null>;
  loadByName?(name: string): Promise<Member | null>;
}
interface MemberRepository {
  get(id: string): Promise<Member | null>;
  invalidateTag(tag: { teamId: string }): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}
/** The part of a generated `member.ts` this test uses. */
interface GeneratedMember {
  memberEntity: EntityDefinition<Member, { id: string }>;
  MemberRepository: new (options: RepositoryOptions<MemberSource>) => MemberRepository;
}

const MEMBER_V1 = `entity: Member
key: id
fields:
  id: string
  teamId: string
  name: string
strategy: read-through
ttl: 1h
`;
const WITH_TEAM_TAG = `${MEMBER_V1}tags: ["team:{teamId}"]\n`;

let redis: Redis;
const prefix = uniquePrefix("g7m");
const outDir = mkdtempSync(join(tmpdir(), "cachegen-g7m-"));
const repositories: MemberRepository[] = [];
let generations = 0;

async function generateMember(schema: string): Promise<GeneratedMember> {
  const result = await generate({
    files: [{ path: "schemas/member.yaml", text: schema }],
    keyPrefix: "app",
    tests: false,
  });
  expect(result.diagnostics).toEqual([]);
  const dir = join(outDir, `generation-${++generations}`);
  mkdirSync(dir);
  for (const [path, content] of result.files) writeFileSync(join(dir, path), content);
  return (await import(join(dir, "member.ts"))) as GeneratedMember;
}

/** A repository of one deploy, over a table that `rows` stands for. */
function deploy(version: GeneratedMember, rows: Map<string, Member>): MemberRepository {
  const repository = new version.MemberRepository({
    redis,
    keyPrefix: prefix,
    source: {
      load: async ({ id }) => rows.get(id) ?? null,
      loadByName: async (name) => [...rows.values()].find((row) => row.name === name) ?? null,
    },
  });
  repositories.push(repository);
  return repository;
}

beforeAll(async () => {
  redis = await connect();
});

afterAll(async () => {
  await Promise.all(repositories.map((repository) => repository.close()));
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  rmSync(outDir, { recursive: true, force: true });
});

describe("guarantee 7 (deploy safety): a change of what an entry belongs to", () => {
  it("a tag added by a deploy reaches the entries the previous deploy cached: invalidateTag then serves the new row", async () => {
    const rows = new Map([["m1", { id: "m1", teamId: "t1", name: "old" }]]);
    const before = deploy(await generateMember(MEMBER_V1), rows);
    expect(await before.get("m1")).toEqual({ id: "m1", teamId: "t1", name: "old" });

    const after = deploy(await generateMember(WITH_TEAM_TAG), rows);
    rows.set("m1", { id: "m1", teamId: "t1", name: "renamed" });
    await after.invalidateTag({ teamId: "t1" });

    expect(await after.get("m1")).toEqual({ id: "m1", teamId: "t1", name: "renamed" });
  });

  it("adding or changing a tag or an index changes the namespace; reordering them or changing the ttl does not", async () => {
    const namespaceOf = async (schema: string) => (await generateMember(schema)).memberEntity.namespace;
    const tagged = await namespaceOf(WITH_TEAM_TAG);
    const indexed = `${MEMBER_V1}indexes:\n  byName: { fields: [name] }\n  byTeam: { fields: [teamId, name] }\n`;
    const reordered = `${MEMBER_V1}indexes:\n  byTeam: { fields: [teamId, name] }\n  byName: { fields: [name] }\n`;
    const plain = await namespaceOf(MEMBER_V1);

    expect(
      new Set([plain, tagged, await namespaceOf(indexed), await namespaceOf(WITH_TEAM_TAG.replace("team:", "squad:"))])
        .size,
    ).toBe(4);
    expect(await namespaceOf(indexed.replace("[teamId, name]", "[teamId]"))).not.toBe(await namespaceOf(indexed));
    expect(await namespaceOf(reordered)).toBe(await namespaceOf(indexed));
    expect(await namespaceOf(`${MEMBER_V1}tags: ["team:{teamId}", "name:{name}"]\n`)).toBe(
      await namespaceOf(`${MEMBER_V1}tags: ["name:{name}", "team:{teamId}"]\n`),
    );
    expect(await namespaceOf(WITH_TEAM_TAG.replace("ttl: 1h", "ttl: 2h"))).toBe(tagged);
  });

  it("adding a list or changing its fields changes the namespace; reordering lists or changing maxItems does not", async () => {
    const namespaceOf = async (schema: string) => (await generateMember(schema)).memberEntity.namespace;
    const plain = await namespaceOf(MEMBER_V1);
    const listed = `${MEMBER_V1}lists:\n  byTeam: { fields: [teamId] }\n  byName: { fields: [name] }\n`;
    const reordered = `${MEMBER_V1}lists:\n  byName: { fields: [name] }\n  byTeam: { fields: [teamId] }\n`;
    expect(await namespaceOf(listed)).not.toBe(plain);
    expect(await namespaceOf(listed.replace("[teamId]", "[teamId, name]"))).not.toBe(await namespaceOf(listed));
    expect(await namespaceOf(reordered)).toBe(await namespaceOf(listed));
    expect(await namespaceOf(listed.replace("[teamId] }", "[teamId], maxItems: 10 }"))).toBe(await namespaceOf(listed));
    // a list is not an index: the same lookup declared as either is another namespace
    expect(await namespaceOf(`${MEMBER_V1}indexes:\n  byName: { fields: [name] }\n`)).not.toBe(
      await namespaceOf(`${MEMBER_V1}lists:\n  byName: { fields: [name] }\n`),
    );
  });
});
