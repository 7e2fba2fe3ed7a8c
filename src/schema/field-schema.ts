import { z } from "zod";
import { SCALAR_TYPES, STRING_FORMATS, type StringFormat } from "../runtime/descriptor.js";
import { IDENTIFIER_PATTERN, RESERVED_WORDS } from "./identifiers.js";
import { flag, messages } from "./property-schemas.js";
import { didYouMean } from "../suggest.js";
import { listNames, showValue } from "../wording.js";

/*
 * The schema of one field declaration (SPEC §3 field types): the shorthand (`string`, `int[]`) or
 * the object form (`{ type: enum, values: [...] }`), at the top level, as an object's member or as
 * an array's items, with the rules between a field's properties that a JSON Schema cannot express.
 */

/** `string`, `int[]`: the types a field can name as a plain string. */
const SHORTHAND_TYPES = [...SCALAR_TYPES, ...SCALAR_TYPES.map((scalar) => `${scalar}[]` as const)];
/** Every value of `type:` in a field's object form. */
const TYPE_NAMES = [...SHORTHAND_TYPES, "enum", "object", "array"] as const;

export type ShorthandType = (typeof SHORTHAND_TYPES)[number];
export type TypeName = (typeof TYPE_NAMES)[number];

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

export const fieldName = z
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

export const topLevelField = fieldDefinition(
  "top",
  "field",
  "A field: a type such as `string` or `int[]`, or an object with `type`.",
);
const memberField = fieldDefinition("member", "memberField", "A member of an object field.");
const itemField = fieldDefinition("item", "itemField", "The items of an array field.");

