/**
 * Names the generator derives from schema names. Validation uses the same functions to reject
 * schemas whose derived names would collide, so what it accepts always emits cleanly.
 */

/** Words of a PascalCase name: `HTTPRequest` -> `HTTP`, `Request`; `OrderLine2` -> `Order`, `Line2`. */
function pascalWords(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+/g) ?? [];
}

/** `OrderLine` -> `order-line`: the base of an entity's generated file names. */
export function kebabCase(pascalName: string): string {
  return pascalWords(pascalName)
    .map((word) => word.toLowerCase())
    .join("-");
}

/** `OrderLine` -> `orderLine`, `HTTPRequest` -> `httpRequest`: the entity's property in `createRepositories`. */
export function camelCase(pascalName: string): string {
  const [first = "", ...rest] = pascalWords(pascalName);
  return first.toLowerCase() + rest.join("");
}

/** `order_line`, `order-line`, `orderLine` -> `OrderLine`. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** `byEmail` -> `ByEmail`, for `getByEmail` and `loadByEmail`. */
export function indexMethodSuffix(indexName: string): string {
  return indexName.charAt(0).toUpperCase() + indexName.slice(1);
}

/** The literal parts of a tag pattern -> its method suffix: `org:`, `:team:` -> `OrgTeam`. */
export function tagMethodSuffix(literals: readonly string[]): string {
  return pascalCase(literals.join(" "));
}

/** Methods every repository has; a generated `getBy…` or `invalidateBy…` with one of these names would clash. */
export const REPOSITORY_METHODS: ReadonlySet<string> = new Set([
  "get",
  "getMany",
  "save",
  "delete",
  "invalidate",
  "invalidateTag",
  "refresh",
  "keyOf",
  "stats",
  "startWorker",
  "flush",
  "pending",
  "close",
  "prime",
  "primeMany",
  // The one protected member of the runtime's Repository named like a generated method: the runtime
  // keeps its other members clear of the `getBy*` / `invalidateBy*` shapes generated methods take.
  "getByIndex",
  "readList",
]);

/**
 * The names of an entity's generated symbols: the entity's name and a suffix that says what each
 * is (`UserKey`, `UserSchema`, `UserSource`, `UserRepository`; `UserInvalidationTag`, not
 * `UserTag`, which for an entity `Tag` would read `TagTag`), and the definition `userEntity`.
 */
export const generatedNames = {
  key: (entityName: string) => `${entityName}Key`,
  schema: (entityName: string) => `${entityName}Schema`,
  source: (entityName: string) => `${entityName}Source`,
  invalidationTag: (entityName: string) => `${entityName}InvalidationTag`,
  repository: (entityName: string) => `${entityName}Repository`,
  definition: (entityName: string) => `${camelCase(entityName)}Entity`,
} as const;

/** The exported names an entity's generated file declares. */
export function generatedExports(entityName: string): string[] {
  return [entityName, ...Object.values(generatedNames).map((name) => name(entityName))];
}

/**
 * A tag's method: `invalidateBy` and the text outside its placeholders (`author:{authorId}` ->
 * `invalidateByAuthor(authorId)`), so it cannot be read as invalidating an entity `Author`.
 */
export function tagMethodName(methodSuffix: string): string {
  return `invalidateBy${methodSuffix}`;
}

/**
 * Names generated files import or declare besides the per-entity ones, and globals their types
 * use; an entity whose generated names include one of these would shadow it (`Define` would
 * declare `defineEntity`, `WriteBehind` `WriteBehindRepository`).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "defineEntity",
  "z",
  "createRepositories",
  "Repository",
  "WriteBehindRepository",
  "RepositoryOptions",
  "CacheAsideRepositoryOptions",
  "SharedRepositoryOptions",
  "JsonValue",
  "Sources",
  "Repositories",
  "Array",
  "BigInt",
  "Date",
  "Error",
  "JSON",
  "Object",
  "Promise",
  "Readonly",
  "Record",
]);

/** File bases the generator writes for itself: `index.ts`. */
export const RESERVED_FILE_BASES: ReadonlySet<string> = new Set(["index"]);
