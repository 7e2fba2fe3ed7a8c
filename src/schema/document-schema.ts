import { z } from "zod";
import { STRATEGIES, WRITE_BEHIND_DEFAULTS, type Strategy } from "../runtime/definition.js";
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from "../runtime/keys.js";
import type { ScalarType, StringFormat } from "../runtime/descriptor.js";
import { fieldName, topLevelField } from "./field-schema.js";
import { indexMethodSuffix, pascalCase } from "./naming.js";
import { closedObjectHint, duration, messages, positiveInt } from "./property-schemas.js";
import { parseSize, SIZE_EXAMPLES, SIZE_PATTERN } from "./size.js";
import { PASCAL_CASE_PATTERN } from "./identifiers.js";
import { didYouMean } from "../suggest.js";
import { listNames, showValue } from "../wording.js";

/*
 * The shape of a schema document (SPEC §3): an entity's properties, and a file of one entity or
 * several. Field declarations are field-schema.ts; the wording of the building blocks is
 * property-schemas.ts. The same schemas produce the JSON Schemas that editors use, so everything a
 * JSON Schema can say (enums, patterns, defaults) is said in zod.
 */

const SERIALIZERS = ["json", "msgpack"] as const;

export type { ScalarType, Strategy, StringFormat };
export type Serializer = (typeof SERIALIZERS)[number];

/** The runtime's write-behind defaults, the flush interval as a schema duration (whole seconds). */
export const DEFAULT_WRITE_BEHIND = {
  batchSize: WRITE_BEHIND_DEFAULTS.batchSize,
  flushInterval: `${WRITE_BEHIND_DEFAULTS.flushIntervalMs / 1000}s`,
  maxAttempts: WRITE_BEHIND_DEFAULTS.maxAttempts,
  partitions: DEFAULT_PARTITIONS,
} as const;

const entityName = z.string(messages("name the entity, e.g. `entity: User`")).regex(PASCAL_CASE_PATTERN, {
  error: (issue) => {
    const pascal = pascalCase(String(issue.input));
    const example = PASCAL_CASE_PATTERN.test(pascal) ? `\`${pascal}\`` : "`User` or `OrderLine`";
    return `${showValue(issue.input)} is not PascalCase; write it like ${example}`;
  },
});

const fieldReference = z.string().min(1, { error: () => "must name a field" });

/** The name of an index or a list: `by` and a capital letter (`fallback`: the example for a name with no word in it). */
function lookupName(kind: "index" | "list", fallback: string) {
  return z.string().regex(/^by[A-Z]\w*$/, {
    error: (issue) => {
      const name = String(issue.input);
      const example = /^\w+$/.test(name) ? `\`by${indexMethodSuffix(name.replace(/^by/i, ""))}\`` : fallback;
      return `is not ${kind === "index" ? "an index" : "a list"} name; ${kind} names are \`by\` and a capital letter, e.g. ${example}`;
    },
  });
}

const indexName = lookupName("index", "`byEmail`");
const listName = lookupName("list", "`byTeam`");

/** The `maxItems` of a list that leaves it out. */
export const DEFAULT_LIST_MAX_ITEMS = 1000;

const jitter = z
  .union(
    [
      z
        .string()
        .regex(/^\d+(\.\d+)?%$/, { error: (issue) => `${showValue(issue.input)} is not a percentage such as "10%"` })
        .refine((text) => Number.parseFloat(text) <= 100, {
          error: (issue) => `${showValue(issue.input)} must be at most 100%`,
        }),
      z
        .number()
        .min(0)
        .max(1, {
          error: (issue) => `${showValue(issue.input)} must be a fraction from 0 to 1, or a percentage such as "10%"`,
        }),
    ],
    { error: (issue) => `${showValue(issue.input)} must be a percentage such as "10%", or a fraction from 0 to 1` },
  )
  .default("10%")
  .meta({
    description:
      'How much of the TTL entries expire early at random: "10%" or 0.1. Spreads expiry so entries written together do not expire together.',
  });

const notSize = (input: unknown): string => `${showValue(input)} is not a size (${SIZE_EXAMPLES})`;

const compress = z
  .strictObject(
    {
      over: z
        .string(messages("say above which size values are compressed, e.g. `over: 1kb`", notSize))
        .regex(SIZE_PATTERN, { error: (issue) => notSize(issue.input) })
        .refine((text) => !SIZE_PATTERN.test(text) || (parseSize(text) ?? 0) > 0, {
          error: (issue) => `${showValue(issue.input)} must be at least 1b`,
        })
        .meta({ description: "Values whose stored form is larger than this are compressed.", examples: ["1kb"] }),
    },
    { error: () => closedObjectHint("`{ over: 1kb }`") },
  )
  .optional()
  .meta({
    description:
      "Store values above a size compressed (gzip). Readers take both forms, so turning it on or off keeps the cached entries.",
  });

export const entitySchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "The JSON Schema this file follows, for editors." }),
    entity: entityName.meta({ description: "The entity's name: PascalCase, unique across all schema files." }),
    key: z
      .union(
        [fieldReference, z.array(fieldReference).min(1, { error: () => "must list at least one field" })],
        messages(
          "name the field(s) that identify one entity, e.g. `key: id`",
          (input) => `must be a field name or a list of field names, not ${showValue(input)}`,
        ),
      )
      .meta({ description: "The field, or list of fields, that identifies one entity." }),
    fields: z
      .record(fieldName, topLevelField, messages("declare the fields, e.g. `fields: { id: uuid, name: string }`"))
      .meta({ description: "The entity's fields, in order." }),
    strategy: z
      .enum(
        STRATEGIES,
        messages(
          `choose one of ${listNames(STRATEGIES)}`,
          (input) =>
            `${showValue(input)} is not a strategy${didYouMean(String(input), STRATEGIES) || `; use ${listNames(STRATEGIES)}`}`,
        ),
      )
      .meta({ description: "How the cache and the source of truth are kept in step." }),
    ttl: duration("How long a cached value stays fresh.", "say how long a value stays cached, e.g. `ttl: 1h`"),
    jitter,
    negativeTtl: duration('Remember "not found" this long.').optional(),
    staleWhileRevalidate: duration("Serve a stale value up to this long while one refresh runs.").optional(),
    versionField: fieldReference.optional().meta({
      description: "An `int` or `datetime` field that only grows: an older write never replaces a newer one.",
    }),
    expiresAt: fieldReference.optional().meta({
      description:
        "A `datetime` field: an entry never outlives it (its TTL is capped by it; a row already expired is not cached).",
    }),
    version: positiveInt("A manual bump of the key namespace.").default(1),
    serializer: z
      .enum(SERIALIZERS, {
        error: (issue) =>
          `${showValue(issue.input)} is not a serializer${didYouMean(String(issue.input), SERIALIZERS) || `; use ${listNames(SERIALIZERS)}`}`,
      })
      .default("json")
      .meta({ description: "How values are encoded in Redis." }),
    compress,
    l1: z
      .strictObject(
        {
          ttl: duration(
            "How long a value stays in the in-process tier.",
            "say how long a value stays in process, e.g. `ttl: 5s`",
          ),
          maxEntries: positiveInt(
            "The most entries the in-process tier holds.",
            "bound the in-process tier, e.g. `maxEntries: 10000`",
          ),
        },
        { error: () => closedObjectHint("`{ ttl: 5s, maxEntries: 10000 }`") },
      )
      .optional()
      .meta({ description: "An in-process tier in front of Redis, invalidated across processes." }),
    indexes: z
      .record(
        indexName,
        z.strictObject(
          {
            fields: z
              .array(fieldReference, messages("list the fields it looks up by, e.g. `fields: [email]`"))
              .min(1, { error: () => "must list at least one field" }),
          },
          { error: () => closedObjectHint("`{ fields: [email] }`") },
        ),
      )
      .optional()
      .meta({
        description: "Unique lookups by other fields: `byEmail: { fields: [email] }` generates `getByEmail(email)`.",
      }),
    lists: z
      .record(
        listName,
        z.strictObject(
          {
            fields: z
              .array(fieldReference, messages("list the fields it looks up by, e.g. `fields: [teamId]`"))
              .min(1, { error: () => "must list at least one field" }),
            maxItems: positiveInt(
              "The most members a list is cached with; a longer one is served from the source and not cached.",
            ).default(DEFAULT_LIST_MAX_ITEMS),
          },
          { error: () => closedObjectHint("`{ fields: [teamId], maxItems: 1000 }`") },
        ),
      )
      .optional()
      .meta({
        description:
          "Non-unique lookups by other fields: `byTeam: { fields: [teamId] }` generates `listByTeam(teamId)`, answering every member.",
      }),
    tags: z.array(z.string()).optional().meta({
      description:
        'Invalidation groups such as "team:{teamId}"; each generates a method such as `invalidateByTeam(teamId)`.',
    }),
    invalidates: z
      .array(
        z.strictObject(
          {
            entity: z.string(messages("name the entity to invalidate, e.g. `entity: Team`")),
            key: z.record(
              z.string(),
              fieldReference,
              messages("map its key fields to fields of this entity, e.g. `key: { id: teamId }`"),
            ),
          },
          { error: () => closedObjectHint("`{ entity: Team, key: { id: teamId } }`") },
        ),
      )
      .optional()
      .meta({ description: "Entities whose cached entries a write to this one also drops." }),
    writeBehind: z
      .strictObject(
        {
          batchSize: positiveInt("Queue entries written to the source per batch.").default(
            DEFAULT_WRITE_BEHIND.batchSize,
          ),
          flushInterval: duration("How often the worker drains the queue.").default(DEFAULT_WRITE_BEHIND.flushInterval),
          maxAttempts: positiveInt("Attempts before an entry goes to the dead-letter stream.").default(
            DEFAULT_WRITE_BEHIND.maxAttempts,
          ),
          partitions: positiveInt(
            `Streams the queue is partitioned into (1 to ${MAX_PARTITIONS}); a key always goes to the same one, in its value's cluster slot.`,
          )
            .max(MAX_PARTITIONS, {
              error: (issue) =>
                `${showValue(issue.input)} is more than ${MAX_PARTITIONS} (each partition is a stream every worker reads)`,
            })
            .default(DEFAULT_WRITE_BEHIND.partitions),
        },
        {
          error: () => closedObjectHint("`{ batchSize: 100, flushInterval: 1s, maxAttempts: 5, partitions: 16 }`"),
        },
      )
      .optional()
      .meta({ description: "Tuning of the write-behind worker (write-behind entities only)." }),
  })
  .meta({ id: "entity", description: "One cached entity." });

export type EntityDocument = z.output<typeof entitySchema>;

export const entityListSchema = z.strictObject({
  $schema: z.string().optional().meta({ description: "The JSON Schema this file follows, for editors." }),
  entities: z
    .array(entitySchema, messages("list the entities"))
    .min(1, { error: () => "must list at least one entity" }),
});

/** A schema file: one entity, or several under `entities`. */
export const schemaFileSchema = z.union([entitySchema, entityListSchema]).meta({
  title: "cachegen schema file",
  description: "One cached entity, or several under `entities`. See SPEC §3 of cachegen.",
});
