import { describe, expect, test } from "vitest";
import { documentWithValue, loadDocument, type LoadedDocument } from "../../src/schema/load.js";

function load(text: string, path = "schemas/user.yaml"): LoadedDocument {
  const { document } = loadDocument({ path, text });
  if (document === undefined) throw new Error("did not parse");
  return document;
}

describe("locate", () => {
  const document = load(
    [
      "# leading comment",
      "entity: User", // 2
      "fields:", // 3
      "  id: uuid", // 4
      "  status: { type: enum }", // 5
      "tags:", // 6
      '  - "team:{teamId}"', // 7
      "ttl:", // 8
    ].join("\n"),
  );

  test("points at a value, or at the name of a property", () => {
    expect(document.locate(["fields", "id"], "value")).toEqual({ line: 4, column: 7 });
    expect(document.locate(["fields", "id"], "key")).toEqual({ line: 4, column: 3 });
    expect(document.locate(["tags", 0], "value")).toEqual({ line: 7, column: 5 });
  });

  test("points at the map that lacks a missing property", () => {
    expect(document.locate(["fields", "status", "values"], "value")).toEqual({ line: 5, column: 11 });
    expect(document.locate(["key"], "value")).toEqual({ line: 2, column: 1 });
  });

  test("points at the property name when its value is empty", () => {
    expect(document.locate(["ttl"], "value")).toEqual({ line: 8, column: 1 });
  });

  test("follows aliases", () => {
    const aliased = load("base: &base { ttl: 5s }\nl1: *base\n");
    expect(aliased.locate(["l1", "ttl"], "value")).toEqual({ line: 1, column: 20 });
  });

  test("works the same for JSON", () => {
    const json = load('{\n  "entity": "User",\n  "fields": { "id": "uuid" }\n}\n', "schemas/user.json");
    expect(json.locate(["fields", "id"], "value")).toEqual({ line: 3, column: 21 });
    expect(json.locate(["fields", "id"], "key")).toEqual({ line: 3, column: 15 });
  });

  test("gives the start of an empty document", () => {
    expect(load("").locate(["entity"], "value")).toEqual({ line: 1, column: 1 });
  });
});

describe("locate in strict JSON", () => {
  const text = [
    "\uFEFF{", // 1: a byte order mark is skipped
    '\t"entity": "User",', // 2: tab indentation is plain JSON whitespace
    '\t"fields": {', // 3
    '\t\t"id": "uuid",', // 4
    '\t\t"status": { "type": "enum" }', // 5
    "\t},", // 6
    '\t"tags": ["team:{teamId}"]', // 7
    "}",
  ].join("\n");

  test("points at values, property names and the map that lacks a property", () => {
    const json = load(text, "schemas/user.json");
    expect(json.locate(["fields", "id"], "value")).toEqual({ line: 4, column: 9 });
    expect(json.locate(["fields", "id"], "key")).toEqual({ line: 4, column: 3 });
    expect(json.locate(["tags", 0], "value")).toEqual({ line: 7, column: 11 });
    expect(json.locate(["fields", "status", "values"], "value")).toEqual({ line: 5, column: 13 });
    expect(json.locate(["key"], "value")).toEqual({ line: 1, column: 2 });
  });

  test("a file whose value came from the parse cache is located the same way", () => {
    const fresh = load(text, "schemas/user.JSON");
    const cached = documentWithValue({ path: "schemas/user.JSON", text }, fresh.value);
    for (const path of [["fields", "id"], ["tags", 0], ["fields", "status", "values"]]) {
      expect(cached.locate(path, "value")).toEqual(fresh.locate(path, "value"));
    }
  });

  test("is never read as YAML, whatever the case of its extension", () => {
    for (const path of ["schemas/user.json", "schemas/user.JSON"]) {
      const { diagnostics } = loadDocument({ path, text: "{ entity: User }" });
      expect(diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
        "JSON syntax error: property names take double quotes in JSON: write `\"entity\"`",
      ]);
    }
  });
});
