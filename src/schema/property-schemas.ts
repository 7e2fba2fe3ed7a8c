import { z } from "zod";
import { DURATION_EXAMPLES, DURATION_PATTERN, parseDuration } from "./duration.js";
import { showValue } from "../wording.js";

/*
 * The building blocks of the document schemas with cachegen's wording. Messages are predicates:
 * validation prefixes them with the property's path (`ttl` + `"1 hour" is not a duration ...`); a
 * message for a missing property is a hint saying what to add.
 */

type RawIssue = z.core.$ZodRawIssue;

/**
 * `hint` when a required property is missing; `invalid(input)` when it is present but wrong.
 * Without one of them, the generic wording of validate.ts applies.
 */
export function messages(
  hint: string | undefined,
  invalid?: (input: unknown) => string,
): { error: (issue: RawIssue) => string | undefined } {
  return { error: (issue) => (issue.input === undefined ? hint : invalid?.(issue.input)) };
}

/** The longest duration a schema may give: Redis takes millisecond expiries far beyond it, but not every huge one. */
const MAX_DURATION_DAYS = 36_500;
const MAX_DURATION_MS = MAX_DURATION_DAYS * 86_400_000;

const notDuration = (input: unknown): string => `${showValue(input)} is not a duration (${DURATION_EXAMPLES})`;

export function duration(description: string, hint?: string) {
  return z
    .string(messages(hint, notDuration))
    .regex(DURATION_PATTERN, { error: (issue) => notDuration(issue.input) })
    .superRefine((text, context) => {
      const ms = parseDuration(text);
      if (ms === 0)
        context.addIssue({ code: "custom", input: text, message: `${showValue(text)} must be longer than zero` });
      else if (ms !== undefined && ms > MAX_DURATION_MS)
        context.addIssue({
          code: "custom",
          input: text,
          message: `${showValue(text)} is longer than ${MAX_DURATION_DAYS}d (100 years), the longest duration cachegen takes (Redis refuses such an expiry: nothing would be cached)`,
        });
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

export function positiveInt(description: string, hint?: string) {
  const invalid = (input: unknown): string => `${showValue(input)} must be a positive whole number`;
  return z
    .int(messages(hint, invalid))
    .positive({ error: (issue) => invalid(issue.input) })
    .meta({ description });
}

export const flag = (description: string) => z.boolean().optional().meta({ description });

/** The message of a closed object given something else: the shape it takes. */
export const closedObjectHint = (shape: string) => `must be an object such as ${shape}`;
