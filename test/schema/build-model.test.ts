import { describe, expect, test } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import type { EntityModel, FieldModel, FieldType, ProjectModel, ScalarType } from "../../src/model/model.js";
import { readProjectFromFiles } from "../../src/read-project.js";

/** Every feature of SPEC §3 in one entity. */
const userYaml = `
entity: User
key: id
fields:
  id: uuid
  email: { type: string, format: email }
  homepage: { type: string, format: url, optional: true }
  name: string
  age: { type: int, optional: true }
  nickname: { type: string, nullable: true }
  roles: string[]
  teamId: uuid
  orgId: uuid
  status: { type: enum, values: [active, suspended] }
  settings: { type: object, fields: { theme: string, fontSize: { type: int, optional: true } } }
  addresses: { type: array, items: { type: object, fields: { city: string } } }
  scores: { type: array, items: float }
  birthday: date
  balance: bigint
  createdAt: datetime
  updatedAt: datetime
  ssn: { type: string, encrypt: true }
  meta: json
strategy: read-through
ttl: 1h
jitter: 15%
negativeTtl: 30s
staleWhileRevalidate: 5m
versionField: updatedAt
version: 3
serializer: msgpack
l1: { ttl: 5s, maxEntries: 10000 }
indexes:
  byEmail: { fields: [email] }
  byTeamAndName: { fields: [teamId, name] }
tags: ["team:{teamId}", "org:{orgId}:team:{teamId}"]
invalidates:
  - { entity: Team, key: { id: teamId, orgId: orgId } }
`;

const teamYaml = `
entity: Team
key: [orgId, id]
fields: { orgId: uuid, id: uuid, name: string }
strategy: cache-aside
ttl: 1.5h
jitter: 0.05
`;

const teamJson = `{
  "$schema": "../schema/entity.schema.json",
  "entity": "Team",
  "key": ["orgId", "id"],
  "fields": { "orgId": "uuid", "id": "uuid", "name": "string" },
  "strategy": "cache-aside",
  "ttl": "1.5h",
  "jitter": 0.05
}
`;

/** Write-behind with every default, in a file that holds a list. */
const ordersYaml = `
entities:
  - entity: OrderLine
    key: [orderId, lineNo]
    fields: { orderId: uuid, lineNo: int, sku: string, revision: int }
    strategy: write-behind
    ttl: 2h
    versionField: revision
  - entity: Shipment
    key: id
    fields: { id: uuid }
    strategy: write-behind
    ttl: 1d
    writeBehind: { batchSize: 50, flushInterval: 250ms }
`;

function project(files: Record<string, string>): ProjectModel {
  const result = readProjectFromFiles(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    { keyPrefix: "shop", tests: false },
  );
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
  if (result.model === undefined) throw new Error("no model");
  return result.model;
}

function entity(model: ProjectModel, name: string): EntityModel {
  const found = model.entities.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no entity ${name}`);
  return found;
}

const scalar = (name: ScalarType): FieldType => ({ kind: "scalar", scalar: name });
const field = (
  name: string,
  type: FieldType,
  modifiers: Partial<Pick<FieldModel, "optional" | "nullable" | "encrypt">> = {},
): FieldModel => ({
  name,
  type,
  optional: false,
  nullable: false,
  encrypt: false,
  ...modifiers,
});

describe("a full-featured project", () => {
  const model = project({
    "schemas/user.yaml": userYaml,
    "schemas/team.yaml": teamYaml,
    "schemas/orders.yaml": ordersYaml,
  });

  test("sorts entities by name and carries the project options", () => {
    expect(model.entities.map((candidate) => candidate.name)).toEqual(["OrderLine", "Shipment", "Team", "User"]);
    expect(model.keyPrefix).toBe("shop");
    expect(model.tests).toBe(false);
  });

  test("normalizes every feature of an entity", () => {
    expect(entity(model, "User")).toEqual({
      name: "User",
      propertyName: "user",
      fileBase: "user",
      sourceFile: "schemas/user.yaml",
      fields: [
        field("id", scalar("uuid")),
        field("email", { kind: "scalar", scalar: "string", format: "email" }),
        field("homepage", { kind: "scalar", scalar: "string", format: "url" }, { optional: true }),
        field("name", scalar("string")),
        field("age", scalar("int"), { optional: true }),
        field("nickname", scalar("string"), { nullable: true }),
        field("roles", { kind: "array", items: scalar("string") }),
        field("teamId", scalar("uuid")),
        field("orgId", scalar("uuid")),
        field("status", { kind: "enum", values: ["active", "suspended"] }),
        field("settings", {
          kind: "object",
          fields: [field("theme", scalar("string")), field("fontSize", scalar("int"), { optional: true })],
        }),
        field("addresses", { kind: "array", items: { kind: "object", fields: [field("city", scalar("string"))] } }),
        field("scores", { kind: "array", items: scalar("float") }),
        field("birthday", scalar("date")),
        field("balance", scalar("bigint")),
        field("createdAt", scalar("datetime")),
        field("updatedAt", scalar("datetime")),
        field("ssn", scalar("string"), { encrypt: true }),
        field("meta", scalar("json")),
      ],
      key: ["id"],
      strategy: "read-through",
      ttlMs: 3_600_000,
      jitter: 0.15,
      negativeTtlMs: 30_000,
      staleWhileRevalidateMs: 300_000,
      versionField: "updatedAt",
      version: 3,
      serializer: "msgpack",
      l1: { ttlMs: 5_000, maxEntries: 10_000 },
      lists: [],
      indexes: [
        { name: "byEmail", methodSuffix: "ByEmail", fields: ["email"] },
        { name: "byTeamAndName", methodSuffix: "ByTeamAndName", fields: ["teamId", "name"] },
      ],
      tags: [
        { pattern: "team:{teamId}", fields: ["teamId"], methodSuffix: "Team" },
        { pattern: "org:{orgId}:team:{teamId}", fields: ["orgId", "teamId"], methodSuffix: "OrgTeam" },
      ],
      invalidates: [{ entity: "Team", key: { orgId: "orgId", id: "teamId" } }],
      shapeHash: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    expect(entity(model, "User")).not.toHaveProperty("writeBehind");
  });

  test("orders an invalidates mapping by the other entity's key", () => {
    expect(Object.keys(entity(model, "User").invalidates[0]?.key ?? {})).toEqual(["orgId", "id"]);
  });

  test("applies defaults", () => {
    const team = entity(model, "Team");
    expect(team).toMatchObject({
      key: ["orgId", "id"],
      ttlMs: 5_400_000,
      jitter: 0.05,
      version: 1,
      serializer: "json",
    });
    expect(team).toMatchObject({ indexes: [], tags: [], invalidates: [] });
    for (const absent of ["negativeTtlMs", "staleWhileRevalidateMs", "versionField", "l1", "writeBehind"]) {
      expect(team).not.toHaveProperty(absent);
    }
    expect(entity(model, "OrderLine")).toMatchObject({
      jitter: 0.1,
      writeBehind: { batchSize: 100, flushIntervalMs: 1_000, maxAttempts: 5 },
    });
    expect(entity(model, "Shipment").writeBehind).toEqual({ batchSize: 50, flushIntervalMs: 250, maxAttempts: 5 });
  });

  test("derives file, property and method names", () => {
    expect(entity(model, "OrderLine")).toMatchObject({
      fileBase: "order-line",
      propertyName: "orderLine",
      sourceFile: "schemas/orders.yaml",
    });
  });

  test("is deeply frozen", () => {
    const user = entity(model, "User");
    const settings = user.fields.find((candidate) => candidate.name === "settings");
    for (const part of [
      model,
      model.entities,
      user,
      user.fields,
      settings,
      settings?.type,
      user.l1,
      user.indexes[0],
      user.invalidates[0]?.key,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => (model.entities as EntityModel[]).pop()).toThrow(TypeError);
    expect(() => Object.assign(user, { ttlMs: 1 })).toThrow(TypeError);
  });
});

test("a JSON schema file builds the same entity as YAML", () => {
  const fromYaml = entity(project({ "schemas/team.yaml": teamYaml }), "Team");
  const fromJson = entity(project({ "schemas/team.json": teamJson }), "Team");
  expect(fromJson).toEqual({ ...fromYaml, sourceFile: "schemas/team.json" });
});

describe("shapeHash", () => {
  const base = `
entity: Note
key: id
fields:
  id: uuid
  body: string
  pinned: { type: boolean, optional: true }
strategy: read-through
ttl: 1h
`;
  const hashOf = (yaml: string) => entity(project({ "schemas/note.yaml": yaml }), "Note").shapeHash;
  const baseHash = hashOf(base);

  test("is pinned: a change here moves every deployed key namespace", () => {
    expect(baseHash).toBe(hashOf(base));
    expect(baseHash).toBe("0c36f9d3");
  });

  test.each([
    ["a field type", base.replace("body: string", "body: json")],
    ["a modifier", base.replace("optional: true", "nullable: true")],
    ["encryption", base.replace("body: string", "body: { type: string, encrypt: true }")],
    [
      "the field order",
      base.replace(
        "  body: string\n  pinned: { type: boolean, optional: true }",
        "  pinned: { type: boolean, optional: true }\n  body: string",
      ),
    ],
    ["a new field", base.replace("body: string", "body: string\n  title: string")],
    ["the key", base.replace("key: id", "key: [id, body]")],
    ["the serializer", `${base}serializer: msgpack\n`],
    ["an index", `${base}indexes: { byBody: { fields: [body] } }\n`],
    ["a tag", `${base}tags: ["body:{body}"]\n`],
  ])("changes with %s", (_, changed) => {
    expect(hashOf(changed)).not.toBe(baseHash);
  });

  test.each([
    ["the ttl", base.replace("ttl: 1h", "ttl: 2h")],
    ["the strategy", base.replace("read-through", "cache-aside")],
    ["jitter, version and l1", `${base}jitter: 20%\nversion: 2\nl1: { ttl: 1s, maxEntries: 10 }\n`],
  ])("does not change with %s", (_, changed) => {
    expect(hashOf(changed)).toBe(baseHash);
  });
});
