/** A configuration's values, defaults filled in (`config-schema.ts` holds the zod schema of the file). */
export interface ConfigFile {
  readonly $schema?: string | undefined;
  readonly schemas: string;
  readonly out: string;
  readonly keyPrefix: string;
  readonly tests: boolean;
  readonly allowOtherFilesInOut: boolean;
}

export const configDefaults = {
  schemas: "schemas",
  out: "generated",
  keyPrefix: "app",
  tests: true,
  allowOtherFilesInOut: false,
} as const satisfies ConfigFile;

// Besides `{`, `}` and whitespace (which would break cluster hash tags and keys), glob characters
// are refused: `cachegen inspect` scans with `SCAN MATCH <keyPrefix>:...`.
export const KEY_PREFIX_PATTERN = /^[^{}\s*?[\]\\]+$/;

const validProperty: Readonly<Record<string, (value: unknown) => boolean>> = {
  $schema: (value) => typeof value === "string",
  schemas: (value) => typeof value === "string" && value !== "",
  out: (value) => typeof value === "string" && value !== "",
  keyPrefix: (value) => typeof value === "string" && KEY_PREFIX_PATTERN.test(value),
  tests: (value) => typeof value === "boolean",
  allowOtherFilesInOut: (value) => typeof value === "boolean",
};

/**
 * The values of a configuration that `configFileSchema` accepts, read without zod; undefined for
 * anything else (then the schema reads it, and words each problem). A test holds the two to the
 * same answers.
 */
export function plainConfig(value: unknown): ConfigFile | undefined {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return undefined;
  const values: Record<string, unknown> = { ...configDefaults };
  for (const [key, entry] of Object.entries(value)) {
    if (!Object.hasOwn(validProperty, key) || validProperty[key]?.(entry) !== true) return undefined;
    values[key] = entry;
  }
  return values as unknown as ConfigFile;
}
