import type { EntityModel, FieldModel, FieldType, ProjectModel } from "../../src/model/model.js";

/** Hand-built models, so emitter tests do not depend on schema loading. */

export function field(name: string, type: FieldType, modifiers: Partial<FieldModel> = {}): FieldModel {
  return { name, type, optional: false, nullable: false, encrypt: false, ...modifiers };
}

export const scalar = (scalarType: Extract<FieldType, { kind: "scalar" }>["scalar"]): FieldType => ({
  kind: "scalar",
  scalar: scalarType,
});

export function entity(overrides: Partial<EntityModel> & Pick<EntityModel, "name" | "fields" | "key">): EntityModel {
  const fileBase = overrides.name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
  return {
    propertyName: overrides.name.charAt(0).toLowerCase() + overrides.name.slice(1),
    fileBase,
    sourceFile: `schemas/${fileBase}.yaml`,
    strategy: "cache-aside",
    ttlMs: 600_000,
    jitter: 0.1,
    version: 1,
    serializer: "json",
    indexes: [],
    lists: [],
    tags: [],
    invalidates: [],
    shapeHash: "0badc0de",
    ...overrides,
  };
}

export function project(entities: EntityModel[], options: Partial<ProjectModel> = {}): ProjectModel {
  return { entities, keyPrefix: "app", tests: true, ...options };
}

export const team = entity({
  name: "Team",
  key: ["id"],
  fields: [field("id", scalar("uuid")), field("name", scalar("string"))],
  strategy: "read-through",
  ttlMs: 3_600_000,
});

export const user = entity({
  name: "User",
  key: ["id"],
  strategy: "read-through",
  fields: [
    field("id", scalar("uuid")),
    field("email", { kind: "scalar", scalar: "string", format: "email" }),
    field("name", scalar("string")),
    field("age", scalar("int"), { optional: true }),
    field("nickname", scalar("string"), { nullable: true }),
    field("roles", { kind: "array", items: scalar("string") }),
    field("teamId", scalar("uuid")),
    field("status", { kind: "enum", values: ["active", "suspended"] }),
    field("settings", { kind: "object", fields: [field("theme", scalar("string"))] }),
    field("createdAt", scalar("datetime")),
    field("updatedAt", scalar("datetime")),
    field("birthday", scalar("date")),
    field("balance", scalar("bigint")),
    field("meta", scalar("json")),
    field("ssn", scalar("string"), { encrypt: true }),
  ],
  ttlMs: 3_600_000,
  negativeTtlMs: 30_000,
  staleWhileRevalidateMs: 300_000,
  versionField: "updatedAt",
  l1: { ttlMs: 5_000, maxEntries: 10_000 },
  indexes: [{ name: "byEmail", methodSuffix: "ByEmail", fields: ["email"] }],
  tags: [{ pattern: "team:{teamId}", fields: ["teamId"], methodSuffix: "Team" }],
  invalidates: [{ entity: "Team", key: { id: "teamId" } }],
  shapeHash: "5e0c9b2a",
});
