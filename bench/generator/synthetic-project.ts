import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Synthetic cachegen projects for the generator benchmark: `count` entities, one schema file each,
 * deterministic (entity i always has the same schema), varied the way real projects are: every
 * strategy, single and composite keys, 4 to 20 fields of every type (nested objects and arrays,
 * enums, optional/nullable/encrypted), indexes, tags, `invalidates` of an earlier entity,
 * versionField, l1, msgpack, write-behind settings.
 */

const strategies = ["cache-aside", "read-through", "write-through", "write-behind"] as const;
const nouns = [
  "Account",
  "Order",
  "Product",
  "Invoice",
  "Shipment",
  "Review",
  "Session",
  "Coupon",
  "Ledger",
  "Profile",
];

export function entityName(index: number): string {
  return `${nouns[index % nouns.length]}${String(index).padStart(4, "0")}`;
}

/** Does entity `index` have the single `id: uuid` key that others' `invalidates` can point at? */
function hasUuidKey(index: number): boolean {
  return index % 5 !== 3;
}

const extraFields: readonly ((n: number) => string)[] = [
  (n) => `  title${n}: string`,
  (n) => `  count${n}: int`,
  (n) => `  price${n}: float`,
  (n) => `  enabled${n}: boolean`,
  (n) => `  ref${n}: uuid`,
  (n) => `  seenAt${n}: datetime`,
  (n) => `  day${n}: date`,
  (n) => `  amount${n}: bigint`,
  (n) => `  meta${n}: json`,
  (n) => `  labels${n}: string[]`,
  (n) => `  email${n}: { type: string, format: email }`,
  (n) => `  site${n}: { type: string, format: url, optional: true }`,
  (n) => `  note${n}: { type: string, nullable: true }`,
  (n) => `  bio${n}: { type: string, optional: true, nullable: true }`,
  (n) => `  state${n}: { type: enum, values: [draft, live, archived] }`,
  (n) =>
    `  settings${n}:\n    type: object\n    fields:\n      theme: string\n      size: { type: int, optional: true }`,
  (n) => `  lines${n}: { type: array, items: { type: object, fields: { sku: string, qty: int } } }`,
  (n) => `  secret${n}: { type: string, encrypt: true }`,
];

export function entitySchema(index: number): string {
  const name = entityName(index);
  const strategy = strategies[index % strategies.length];
  const composite = !hasUuidKey(index);
  const lines: string[] = [`entity: ${name}`];
  lines.push(composite ? "key: [ownerId, lineNo]" : "key: id", "fields:");
  if (composite) lines.push("  ownerId: uuid", "  lineNo: int");
  else lines.push("  id: uuid");
  lines.push("  groupId: uuid", "  code: string", "  revision: int", "  updatedAt: datetime");

  const extra = 2 + ((index * 7) % 15);
  for (let n = 0; n < extra; n += 1) {
    const field = extraFields[(index + n * 5) % extraFields.length];
    if (field) lines.push(field(n));
  }
  const target = index > 0 && hasUuidKey(index - 1) ? index - 1 : undefined;
  if (target !== undefined) lines.push("  parentId: uuid");

  lines.push(`strategy: ${strategy}`);
  lines.push(`ttl: ${["5m", "30m", "1h", "1d"][index % 4]}`);
  if (index % 3 === 0) lines.push("jitter: 5%");
  if (index % 4 === 1) lines.push("negativeTtl: 30s", "staleWhileRevalidate: 5m");
  if (index % 2 === 0) lines.push(`versionField: ${index % 4 === 0 ? "updatedAt" : "revision"}`);
  if (index % 7 === 0) lines.push("version: 2");
  if (index % 3 === 1) lines.push("serializer: msgpack");
  if (index % 6 === 2) lines.push("l1: { ttl: 5s, maxEntries: 10000 }");

  const indexes = index % 3;
  if (indexes > 0) {
    lines.push("indexes:", "  byCode: { fields: [code] }");
    if (indexes > 1) lines.push("  byGroupRevision: { fields: [groupId, revision] }");
  }
  if (index % 2 === 1) lines.push('tags: ["group:{groupId}", "code:{code}"]');
  else if (index % 4 === 0) lines.push('tags: ["group:{groupId}"]');
  if (target !== undefined && index % 2 === 0) {
    lines.push("invalidates:", `  - { entity: ${entityName(target)}, key: { id: parentId } }`);
  }
  if (strategy === "write-behind") lines.push("writeBehind: { batchSize: 50, flushInterval: 500ms, maxAttempts: 3 }");
  return `${lines.join("\n")}\n`;
}

/**
 * Writes a project of `count` entities into a new folder under the OS temp folder: config,
 * `schemas/`, and an empty `node_modules/` so the format cache lives on disk as in a real project.
 */
export async function writeSyntheticProject(count: number, parent = tmpdir()): Promise<string> {
  const root = await mkdtemp(join(parent, `cachegen-bench-${count}-`));
  await mkdir(join(root, "schemas"));
  await mkdir(join(root, "node_modules"));
  await writeFile(
    join(root, "cachegen.config.json"),
    `${JSON.stringify({ schemas: "schemas", out: "generated", keyPrefix: "bench", tests: true }, null, 2)}\n`,
  );
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      writeFile(join(root, "schemas", `${entityName(index).toLowerCase()}.yaml`), entitySchema(index)),
    ),
  );
  return root;
}
