/** ASCII JavaScript identifiers: field names become properties, parameters and zod keys. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `User`, `OrderLine`: entity names become type names and, kebab-cased, file names. */
export const PASCAL_CASE_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Words that cannot name a parameter in strict-mode ES modules. Index fields and tag placeholders
 * become method parameters (`getByEmail(email)`), so a field must not be named like this.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    "arguments await break case catch class const continue debugger default delete do else enum eval export " +
    "extends false finally for function if implements import in instanceof interface let new null package " +
    "private protected public return static super switch this throw true try typeof var void while with yield"
  ).split(" "),
);
