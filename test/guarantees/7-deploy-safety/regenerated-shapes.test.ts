// Guarantee 7 end to end: schema -> generate() -> the generated repository, before and after a
// deploy that changes the entity's shape. (Runtime-level variants: old-shape-entries.test.ts.)
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteByPrefix,
  type CacheEvent,
  type CacheStats,
  type EntityDefinition,
  type RepositoryOptions,
} from "cachegen/runtime";
import { generate } from "../../../src/generate.js";
import { collectEvents, connect, uniquePrefix } from "../../runtime/helpers.js";

type Player = { id: string } & Record<string, unknown>;
type PlayerSource = { load(key: { id: string }): Promise<Player | null> };
type PlayerRepository = { get(id: string): Promise<Player | null>; keyOf(id: string): string; stats(): CacheStats };

/** The part of a generated `player.ts` this test uses. */
interface GeneratedPlayer {
  playerEntity: EntityDefinition<Player, { id: string }>;
  PlayerRepository: new (options: RepositoryOptions<PlayerSource>) => PlayerRepository;
}

const PLAYER_V1 = `entity: Player
key: id
fields:
  id: string
  name: string
  score: int
strategy: read-through
ttl: 1h
`;

let redis: Redis;
const prefix = uniquePrefix("g7");
const outDir = mkdtempSync(join(tmpdir(), "cachegen-g7-"));
let generations = 0;
let v1: GeneratedPlayer;

/** Runs the generator on one schema, writes its output to a fresh folder and imports `player.ts`. */
async function generatePlayer(schema: string): Promise<GeneratedPlayer> {
  const result = await generate({
    files: [{ path: "schemas/player.yaml", text: schema }],
    keyPrefix: "app",
    tests: false,
  });
  expect(result.diagnostics).toEqual([]);
  const dir = join(outDir, `generation-${++generations}`);
  mkdirSync(dir);
  for (const [path, content] of result.files) writeFileSync(join(dir, path), content);
  return (await import(join(dir, "player.ts"))) as GeneratedPlayer;
}

/** A repository of one generated version, over a source that holds `player(id)` for every id. */
function repositoryOf(
  version: GeneratedPlayer,
  player: (id: string) => Player,
  onEvent: (event: CacheEvent) => void = () => undefined,
): PlayerRepository {
  return new version.PlayerRepository({
    redis,
    keyPrefix: prefix,
    source: { load: async ({ id }) => player(id) },
    onEvent,
  });
}

/** The old deployment fills `count` entries; returns their ids and stored bytes. */
async function fillWithV1(
  count: number,
): Promise<{ ids: string[]; stored: Map<string, Buffer | null>; old: PlayerRepository }> {
  const old = repositoryOf(v1, (id) => ({ id, name: "old", score: 7 }));
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const id of ids) await old.get(id);
  const stored = new Map<string, Buffer | null>();
  for (const id of ids) stored.set(id, await redis.getBuffer(old.keyOf(id)));
  expect([...stored.values()].every((raw) => raw !== null)).toBe(true);
  return { ids, stored, old };
}

beforeAll(async () => {
  redis = await connect();
  v1 = await generatePlayer(PLAYER_V1);
});

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  rmSync(outDir, { recursive: true, force: true });
});

describe("guarantee 7: deploy safety", () => {
  const shapeChanges: { change: string; schema: string; player: (id: string) => Player }[] = [
    {
      change: "a field's type changes (score: int -> string)",
      schema: PLAYER_V1.replace("score: int", "score: string"),
      player: (id) => ({ id, name: "new", score: "seven" }),
    },
    {
      change: "a field is added",
      schema: PLAYER_V1.replace("score: int", "score: int\n  rank: int"),
      player: (id) => ({ id, name: "new", score: 8, rank: 1 }),
    },
    {
      change: "the serializer changes (json -> msgpack)",
      schema: `${PLAYER_V1}serializer: msgpack\n`,
      player: (id) => ({ id, name: "new", score: 8 }),
    },
  ];

  for (const { change, schema, player } of shapeChanges) {
    it(`guarantee 7 (deploy safety): when ${change}, the regenerated repository never decodes the old entries: a new namespace, misses that load from the source, old entries untouched`, async () => {
      const { ids, stored, old } = await fillWithV1(5);
      const v2 = await generatePlayer(schema);
      expect(v2.playerEntity.namespace).not.toBe(v1.playerEntity.namespace);

      const events = collectEvents();
      const deployed = repositoryOf(v2, player, events.onEvent);
      for (const id of ids) {
        expect(deployed.keyOf(id)).not.toBe(old.keyOf(id));
        expect(await deployed.get(id)).toEqual(player(id));
      }
      expect(deployed.stats()).toMatchObject({ hits: 0, misses: ids.length, loads: ids.length, invalidValues: 0 });
      expect(events.of("invalid-value")).toEqual([]);
      for (const id of ids) expect(await redis.getBuffer(old.keyOf(id))).toEqual(stored.get(id)); // left to expire
    });
  }

  it("a change that is not one of shape (the ttl) keeps the namespace, so old entries keep serving", async () => {
    const { ids } = await fillWithV1(3);
    const v2 = await generatePlayer(PLAYER_V1.replace("ttl: 1h", "ttl: 2h"));
    expect(v2.playerEntity.namespace).toBe(v1.playerEntity.namespace);
    const deployed = repositoryOf(v2, (id) => ({ id, name: "new", score: 8 }));
    for (const id of ids) expect(await deployed.get(id)).toEqual({ id, name: "old", score: 7 });
    expect(deployed.stats()).toMatchObject({ hits: ids.length, loads: 0 });
  });
});
