import { z } from "zod";
import { ConfigError } from "./config.js";
import { configDefaults, KEY_PREFIX_PATTERN, type ConfigFile } from "./config-values.js";
import { didYouMean } from "./suggest.js";
import { listNames, showValue } from "./wording.js";

export const configFileSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "The JSON Schema this file follows, for editors." }),
    schemas: z
      .string()
      .min(1)
      .default(configDefaults.schemas)
      .meta({ description: "Folder of the schema files (*.yaml, *.yml, *.json), relative to this file." }),
    out: z
      .string()
      .min(1)
      .default(configDefaults.out)
      .meta({ description: "Folder of the generated code, relative to this file." }),
    keyPrefix: z
      .string()
      .regex(KEY_PREFIX_PATTERN)
      .default(configDefaults.keyPrefix)
      .meta({ description: "Prefix of every Redis key. No whitespace, `{`, `}`, `*`, `?`, `[`, `]` or `\\`." }),
    tests: z.boolean().default(configDefaults.tests).meta({ description: "Also generate a vitest file per entity." }),
    allowOtherFilesInOut: z.boolean().default(configDefaults.allowOtherFilesInOut).meta({
      description:
        "Let the output folder hold files cachegen did not write (it never replaces or removes them). Off by default: a folder shared with other sources is refused.",
    }),
  })
  .meta({
    title: "cachegen configuration",
    description: 'cachegen.config.json, or the "cachegen" key of package.json.',
  });

/** The values of a configuration, or a `ConfigError` naming each of its problems and what to do. */
export function parseConfigFile(value: unknown, label: string): ConfigFile {
  const result = configFileSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue));
  throw new ConfigError(problems.map((problem) => `${label}: ${problem}`).join("\n"));
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const property = issue.path.join(".");
  const allowed = Object.keys(configFileSchema.shape).filter((name) => !name.startsWith("$"));
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map(
        (key) => `unknown property ${showValue(key)}${didYouMean(key, allowed) || `; allowed: ${listNames(allowed)}`}`,
      );
    case "invalid_format":
      return [
        `keyPrefix ${showValue(issue.input)} must not contain whitespace, \`{\`, \`}\`, \`*\`, \`?\`, \`[\`, \`]\` or \`\\\`; use e.g. "my-app"`,
      ];
    case "too_small":
      return [`${property} must not be empty; remove it to use the default`];
    case "invalid_type":
      return [
        property === ""
          ? `must be an object such as { "schemas": "schemas", "out": "generated", "keyPrefix": "app", "tests": true }`
          : `${property} must be ${issue.expected === "boolean" ? "true or false" : `a ${issue.expected}`}, not ${showValue(issue.input)}`,
      ];
    default:
      return [`${property} ${issue.message}`];
  }
}
