import { describe, expect, it } from "vitest";
import { humanDuration } from "../../src/emit/durations.js";
import { emitProject } from "../../src/emit/emit-project.js";
import { entityTestView } from "../../src/emit/entity-test-view.js";
import { entityView } from "../../src/emit/entity-view.js";
import { fieldShape, fieldType } from "../../src/emit/field-types.js";
import { fieldModel, type FieldModel } from "../../src/runtime/descriptor.js";
import { sampleFields } from "../../src/emit/sample-values.js";
import { numberLiteral, parameterName } from "../../src/emit/typescript-syntax.js";
import { entity, field, project, scalar, team, user } from "./models.js";

/** The field the runtime reads from the descriptor the generator writes for `model`. */
function readBack(model: FieldModel): FieldModel {
  return fieldModel(model.name, new Function(`return ${fieldShape(model)};`)() as never);
}

describe("field types", () => {
  it("maps modifiers to both the TypeScript type and the field descriptor", () => {
    const both = field("age", scalar("int"), { optional: true, nullable: true });
    expect(fieldType(both)).toBe("number | null | undefined");
    expect(fieldShape(both)).toBe(`{ type: "int", optional: true, nullable: true }`);
    expect(fieldShape(field("roles", { kind: "array", items: scalar("string") }))).toBe(`"string[]"`);
    expect(readBack(both)).toEqual(both);
  });

  it("nests objects, arrays and enums", () => {
    const nested = field("lines", {
      kind: "array",
      items: { kind: "object", fields: [field("state", { kind: "enum", values: ["open", "closed"] })] },
    });
    expect(fieldType(nested)).toBe(`{ state: "open" | "closed" }[]`);
    expect(fieldShape(nested)).toBe(
      `{ type: "array", items: { type: "object", fields: { state: { type: "enum", values: ["open", "closed"] } } } }`,
    );
    expect(readBack(nested)).toEqual(nested);
    const states = field("states", { kind: "array", items: { kind: "enum", values: ["a", "b"] } });
    expect(fieldType(states)).toBe(`("a" | "b")[]`);
  });

  it("gives datetime and date fields the Date type, and string formats and encryption their descriptor", () => {
    expect(fieldType(field("at", scalar("date")))).toBe("Date");
    const email = field("email", { kind: "scalar", scalar: "string", format: "email" }, { encrypt: true });
    expect(fieldShape(email)).toBe(`{ type: "string", format: "email", encrypt: true }`);
    expect(readBack(email)).toEqual(email);
    expect(fieldShape(field("site", { kind: "scalar", scalar: "string", format: "url" }))).toBe(
      `{ type: "string", format: "url" }`,
    );
  });
});

describe("TypeScript syntax", () => {
  it("writes durations in schema notation and numbers with separators", () => {
    expect(humanDuration(3_600_000)).toBe("1h");
    expect(humanDuration(5_400_500)).toBe("1h 30m 500ms");
    expect(numberLiteral(86_400_000)).toBe("86_400_000");
    expect(numberLiteral(999)).toBe("999");
  });

  it("avoids reserved words as parameter names", () => {
    expect(parameterName("email")).toBe("email");
    expect(parameterName("default")).toBe("defaultValue");
  });
});

describe("entity files", () => {
  it("requires save and delete in the source of write-through and write-behind entities", () => {
    for (const strategy of ["write-through", "write-behind"] as const) {
      expect(entityView(entity({ ...team, strategy }), project([])).writesRequired).toBe(true);
    }
    expect(entityView(team, project([team])).writesRequired).toBe(false);
  });

  it("picks the repository base class and options type from the strategy", () => {
    const order = entityView(entity({ ...team, strategy: "write-behind" }), project([]));
    expect([order.repositoryBase, order.optionsType]).toEqual(["WriteBehindRepository", "RepositoryOptions"]);
    const article = entityView(entity({ ...team, strategy: "cache-aside" }), project([]));
    expect([article.repositoryBase, article.optionsType]).toEqual(["Repository", "CacheAsideRepositoryOptions"]);
  });

  it("imports an invalidated entity lazily, and never itself", () => {
    const view = entityView(user, project([team, user]));
    expect(view.entityImports).toEqual([{ constant: "teamEntity", module: "./team.js" }]);
    expect(view.definition.invalidates).toBe(`[{ entity: () => teamEntity, key: (user) => ({ id: user.teamId }) }]`);
    const selfInvalidating = entity({ ...team, invalidates: [{ entity: "Team", key: { id: "id" } }] });
    expect(entityView(selfInvalidating, project([selfInvalidating])).entityImports).toEqual([]);
  });

  it("types tags as a union of their fields, or never", () => {
    expect(entityView(user, project([team, user])).invalidationTagUnion).toBe("{ teamId: string }");
    expect(entityView(team, project([team])).invalidationTagUnion).toBe("never");
  });

  it("emits a test file per entity only when tests are on", () => {
    const paths = (tests: boolean) => emitProject(project([team, user], { tests })).map((file) => file.path);
    expect(paths(true)).toEqual(["team.ts", "team.test.ts", "user.ts", "user.test.ts", "index.ts", "README.md"]);
    expect(paths(false)).toEqual(["team.ts", "user.ts", "index.ts", "README.md"]);
  });

  it("is deterministic", () => {
    expect(emitProject(project([team, user]))).toEqual(emitProject(project([team, user])));
  });
});

describe("test samples", () => {
  const first = sampleFields(user, [user], () => 1);
  const update = sampleFields(user, [user], (candidate) => (user.key.includes(candidate.name) ? 1 : 2));

  it("keeps the key and changes every other value in the update", () => {
    for (const candidate of user.fields) {
      if (user.key.includes(candidate.name)) expect(update.get(candidate.name)).toBe(first.get(candidate.name));
      else expect(update.get(candidate.name)).not.toBe(first.get(candidate.name));
    }
  });

  it("makes the versionField increase and nullable fields null in the update only", () => {
    expect(first.get("updatedAt")).toBe(`new Date("2024-01-02T03:04:05.000Z")`);
    expect(update.get("updatedAt")).toBe(`new Date("2024-01-03T03:04:05.000Z")`);
    expect(first.get("nickname")).toBe(`"nickname 1"`);
    expect(update.get("nickname")).toBe("null");
  });

  it("gives each uuid field its own valid uuid", () => {
    expect(first.get("id")).toBe(`"00000000-0000-4000-8000-000000010001"`);
    expect(first.get("teamId")).toBe(`"00000000-0000-4000-8000-000000010002"`);
  });

  it("looks indexes up with stored and unknown values, and breaks the key with an invalid value of the part's type where one exists", () => {
    const view = entityTestView(user, [user]);
    expect(view.indexes[0]).toMatchObject({
      sampleArguments: "sample.email",
      unknownArguments: `"user3@example.com"`,
    });
    expect(view.invalidKey).toBe(`{ id: "not-a-uuid" }`);
    const flagged = entity({
      name: "Flag",
      key: ["kind", "on"],
      fields: [field("kind", { kind: "enum", values: ["a"] }), field("on", scalar("boolean"))],
    });
    expect(entityTestView(flagged, [flagged]).invalidKey).toBe(`{ kind: "not-a-valid-key-part", on: sample.on }`);
  });
});
