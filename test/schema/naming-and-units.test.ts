import { describe, expect, test } from "vitest";
import { camelCase, kebabCase, tagMethodSuffix } from "../../src/schema/naming.js";
import { parseDuration } from "../../src/schema/duration.js";
import { nearestName } from "../../src/suggest.js";
import { parseTagPattern } from "../../src/schema/tag-pattern.js";

test.each([
  ["User", "user", "user"],
  ["OrderLine", "order-line", "orderLine"],
  ["HTTPRequest", "http-request", "httpRequest"],
  ["Order2Line", "order2-line", "order2Line"],
])("%s -> file %s, property %s", (name, file, property) => {
  expect(kebabCase(name)).toBe(file);
  expect(camelCase(name)).toBe(property);
});

test.each([
  ["team:{teamId}", ["teamId"], "Team"],
  ["org:{orgId}:team:{teamId}", ["orgId", "teamId"], "OrgTeam"],
  ["user-group:{id}", ["id"], "UserGroup"],
  ["{tenantId}:members", ["tenantId"], "Members"],
])("tag %s has fields %j and method suffix %s", (text, fields, suffix) => {
  const { pattern } = parseTagPattern(text);
  expect(pattern?.fields).toEqual(fields);
  expect(tagMethodSuffix(pattern?.literals ?? [])).toBe(suffix);
});

test.each([
  ["500ms", 500],
  ["30s", 30_000],
  ["5m", 300_000],
  ["1.5h", 5_400_000],
  ["1.1s", 1_100],
  ["1d", 86_400_000],
  ["0.5ms", 0.5],
  ["1 hour", undefined],
  ["1h30m", undefined],
  ["-1s", undefined],
  ["5", undefined],
])("duration %s is %s ms", (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

describe("nearestName", () => {
  test.each([
    ["tll", "ttl"],
    ["TTL", "ttl"],
    ["strng", "string"],
    ["jiter", "jitter"],
    ["flavour", undefined],
    ["x", undefined],
  ])("%s -> %s", (input, expected) => {
    expect(nearestName(input, ["ttl", "string", "jitter", "key"])).toBe(expected);
  });
});
