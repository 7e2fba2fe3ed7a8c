import { z } from "zod";
import { STRATEGIES, WRITE_BEHIND_DEFAULTS, type Strategy } from "../runtime/definition.js";
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from "../runtime/keys.js";
import { SCALAR_TYPES, STRING_FORMATS, type ScalarType, type StringFormat } from "../runtime/descriptor.js";
import { indexMethodSuffix, pascalCase } from "./naming.js";
import { DURATION_EXAMPLES, DURATION_PATTERN, parseDuration } from "./duration.js";
import { parseSize, SIZE_EXAMPLES, SIZE_PATTERN } from "./size.js";
import { IDENTIFIER_PATTERN, PASCAL_CASE_PATTERN, RESERVED_WORDS } from "./identifiers.js";
import { didYouMean } from "../suggest.js";
import { listNames, showValue } from "../wording.js";

/*
 * The shape of a schema document (SPEC §3). Messages here are predicates: validation prefixes
 * them with the property's path (`ttl` + `"1 hour" is not a duration ...`). A message for a
 * missing property is a hint saying what to add. The same schemas produce the JSON Schemas that
 * editors use, so everything a JSON Schema can say (enums, patterns, defaults) is said in zod.
 */

const SERIALIZERS = ["json", "msgpack"] as const;

export { SCALAR_TYPES };
export type { ScalarType, Strategy, StringFormat };
export type Serializer = (typeof SERIALIZERS)[number];

/** `string`, `int[]`: the types a field can name as a plain string. */
const SHORTHAND_TYPES = [...SCALAR_TYPES, ...SCALAR_TYPES.map((scalar) => `${scalar}[]` as const)];
/** Every value of `type:` in a field's object form. */
const TYPE_NAMES = [...SHORTHAND_TYPES, "enum", "object", "array"] as const;

export type ShorthandType = (typeof SHORTHAND_TYPES)[number];
export type TypeName = (typeof TYPE_NAMES)[number];

/** The runtime's write-behind defaults, the flush interval as a schema duration (whole seconds). */
export const DEFAULT_WRITE_BEHIND = {
  batchSize: WRITE_BEHIND_DEFAULTS.batchSize,
  flushInterval: `${WRITE_BEHIND_DEFAULTS.flushIntervalMs / 1000}s`,
  maxAttempts: WRITE_BEHIND_DEFAULTS.maxAttempts,
  partitions: DEFAULT_PARTITIONS,
} as const;

type RawIssue = z.core.$ZodRawIssue;

/**
 * `hint` when a required property is missing; `invalid(input)` when it is present but wrong.
 * Without one of them, the generic wording of validate.ts applies.
 */
function messages(
  hint: string | undefined,
  invalid?: (input: unknown) => string,
): { error: (issue: RawIssue) => string | undefined } {
  return { error: (issue) => (issue.input === undefined ? hint : invalid?.(issue.input)) };
}

const notDuration = (input: unknown): string => `${showValue(input)} is not a duration (${DURATION_EXAMPLES})`;

function duration(description: string, hint?: string) {
  return z
    .string(messages(hint, notDuration))
    .regex(DURATION_PATTERN, { error: (issue) => notDuration(issue.input) })
    .superRefine((text, context) => {
      const ms = parseDuration(text);
      if (ms === 0)
        context.addIssue({ code: "custom", input: text, message: `${showValue(text)} must be longer than zero` });
      else if (ms !== undefined && !Number.isInteger(ms)) {
        context.addIssue({
          code: "custom",
          input: text,
          message: `${showValue(text)} is not a whole number of milliseconds`,
        });
      }
    })
    .meta({ description, examples: ["500ms", "30s", "5m", "1.5h", "1d"] });
}

function positiveInt(description: string, hint?: string) {
  const invalid = (input: unknown): string => `${showValue(input)} must be a positive whole number`;
  return z
    .int(messages(hint, invalid))
    .positive({ error: (issue) => invalid(issue.input) })
    .meta({ description });
}

const flag = (description: string) => z.boolean().optional().meta({ description });

function unknownType(input: unknown): string {
  if (typeof input !== "string") {
    return `must be a type such as \`string\`, or an object with \`type\`, not ${showValue(input)}`;
  }
  if (input === "enum" || input === "object" || input === "array") {
    return `needs the object form for \`${input}\`, e.g. ${OBJECT_FORM_EXAMPLES[input]}`;
  }
  const alias = TYPE_ALIASES[input.toLowerCase()];
  const suggestion = alias === undefined ? didYouMean(input, TYPE_NAMES) : `; did you mean \`${alias}\`?`;
  if (suggestion !== "") return `${showValue(input)} is not a type${suggestion}`;
  return `${showValue(input)} is not a type; use ${listNames(SCALAR_TYPES)}, a list like \`string[]\`, or \`enum\`, \`object\` or \`array\` in the object form`;
}

/** Type names from other languages, too far from ours for "did you mean" to find. */
const TYPE_ALIASES: Readonly<Record<string, TypeName>> = {
  integer: "int",
  number: "float",
  double: "float",
  bool: "boolean",
  text: "string",
  timestamp: "datetime",
  long: "bigint",
};

const OBJECT_FORM_EXAMPLES = {
  enum: "`{ type: enum, values: [active, suspended] }`",
  object: "`{ type: object, fields: { theme: string } }`",
  array: "`{ type: array, items: string }`",
} as const;

const fieldName = z
  .string()
  .regex(IDENTIFIER_PATTERN, {
    error: () => "is not a valid field name; use letters, digits, `_` and `$`, not starting with a digit",
  })
  .refine((name) => !RESERVED_WORDS.has(name), { error: () => "is a reserved word in JavaScript; rename the field" });

/** A field in its object form: `{ type: int, optional: true }`. */
export interface FieldObjectDocument {
  type: TypeName;
  optional?: boolean | undefined;
  nullable?: boolean | undefined;
  encrypt?: boolean | undefined;
  format?: StringFormat | undefined;
  values?: string[] | undefined;
  fields?: Record<string, FieldDocument> | undefined;
  items?: FieldDocument | undefined;
}

export type FieldDocument = ShorthandType | FieldObjectDocument;

/** Where a field definition appears: only top-level fields can be encrypted; array items take no modifiers. */
type FieldPlace = "top" | "member" | "item";

function fieldDefinition(place: FieldPlace, id: string, description: string): z.ZodType<FieldDocument> {
  const shorthand = z.enum(SHORTHAND_TYPES, { error: (issue) => unknownType(issue.input) });
  const objectForm = z
    .strictObject({
      type: z.enum(TYPE_NAMES, messages("name the type, e.g. `type: string`", unknownType)),
      optional: flag("The property may be absent."),
      nullable: flag("The value may be null."),
      encrypt: flag("Stored in Redis as AES-256-GCM ciphertext (top-level fields only)."),
      format: z.enum(STRING_FORMATS).optional().meta({ description: "Checked format of a `string` field." }),
      values: z
        .array(z.string().min(1, { error: () => "must not be empty" }))
        .min(1, { error: () => "must list at least one value" })
        .optional()
        .meta({ description: "The allowed values of an `enum` field." }),
      fields: z
        .record(
          fieldName,
          z.lazy(() => memberField),
        )
        .optional()
        .meta({ description: "The members of an `object` field." }),
      items: z
        .lazy(() => itemField)
        .optional()
        .meta({ description: "The item type of an `array` field." }),
    })
    .superRefine((field, context) => checkFieldObject(field, place, context));
  return z
    .union([shorthand, objectForm], {
      error: (issue) => (issue.code === "invalid_union" ? unknownType(issue.input) : undefined),
    })
    .meta({ id, description });
}

/** Rules between a field's properties, which a JSON Schema cannot express. */
function checkFieldObject(
  field: FieldObjectDocument,
  place: FieldPlace,
  context: z.core.$RefinementCtx<FieldObjectDocument>,
): void {
  const misplaced = (property: keyof FieldObjectDocument, predicate: string): void =>
    context.addIssue({ code: "custom", path: [property], input: field[property], message: predicate });
  const missing = (property: keyof FieldObjectDocument, hint: string): void =>
    context.addIssue({ code: "custom", path: [property], input: undefined, message: hint });

  if (field.format !== undefined && field.type !== "string")
    misplaced("format", `applies only to \`string\` fields, not \`${field.type}\``);
  for (const kind of ["enum", "object", "array"] as const) {
    const property = ({ enum: "values", object: "fields", array: "items" } as const)[kind];
    if (field.type === kind && field[property] === undefined)
      missing(property, `\`type: ${kind}\` needs it, e.g. ${OBJECT_FORM_EXAMPLES[kind]}`);
    if (field.type !== kind && field[property] !== undefined)
      misplaced(property, `applies only to \`type: ${kind}\`, not \`${field.type}\``);
  }
  if (field.encrypt === true && place !== "top")
    misplaced("encrypt", "applies only to top-level fields; encrypt the enclosing field instead");
  for (const modifier of ["optional", "nullable"] as const) {
    if (field[modifier] === true && place === "item")
      misplaced(modifier, "does not apply to array items; make the array field itself optional or nullable");
  }
  if (field.fields !== undefined && Object.keys(field.fields).length === 0)
    misplaced("fields", "must declare at least one member");
  field.values?.forEach((value, index) => {
    if (field.values?.indexOf(value) !== index) {
      context.addIssue({
        code: "custom",
        path: ["values", index],
        input: value,
        message: `repeats ${showValue(value)}`,
      });
    }
  });
}

const topLevelField = fieldDefinition(
  "top",
  "field",
  "A field: a type such as `string` or `int[]`, or an object with `type`.",
);
const memberField = fieldDefinition("member", "memberField", "A member of an object field.");
const itemField = fieldDefinition("item", "itemField", "The items of an array field.");

const entityName = z.string(messages("name the entity, e.g. `entity: User`")).regex(PASCAL_CASE_PATTERN, {
  error: (issue) => {
    const pascal = pascalCase(String(issue.input));
    const example = PASCAL_CASE_PATTERN.test(pascal) ? `\`${pascal}\`` : "`User` or `OrderLine`";
    return `${showValue(issue.input)} is not PascalCase; write it like ${example}`;
  },
});

const fieldReference = z.string().min(1, { error: () => "must name a field" });

const indexName = z.string().regex(/^by[A-Z]\w*$/, {
  error: (issue) => {
    const name = String(issue.input);
    const example = /^\w+$/.test(name) ? `\`by${indexMethodSuffix(name.replace(/^by/i, ""))}\`` : "`byEmail`";
    return `is not an index name; index names are \`by\` and a capital letter, e.g. ${example}`;
  },
});

const listName = z.string().regex(/^by[A-Z]\w*$/, {
  error: (issue) => {
    const name = String(issue.input);
    const example = /^\w+$/.test(name) ? `\`by${indexMethodSuffix(name.replace(/^by/i, ""))}\`` : "`byTeam`";
    return `is not a list name; list names are \`by\` and a capital letter, e.g. ${example}`;
  },
});

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

const closedObjectHint = (shape: string) => `must be an object such as ${shape}`;

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
