/**
 * A Lua function several scripts share. Declared once (with the TypeScript that mirrors it, where
 * there is one); each script that uses it gets its source prepended, after the functions it uses.
 */
export interface LuaFunction {
  readonly name: string;
  readonly source: string;
  readonly uses: readonly LuaFunction[];
}

export function luaFunction(name: string, source: string, uses: readonly LuaFunction[] = []): LuaFunction {
  if (!new RegExp(`^\\s*local function ${name}\\(`).test(source))
    throw new TypeError(`cachegen: Lua function ${name} must be declared as \`local function ${name}(...)\``);
  return { name, source: source.trim(), uses };
}

/** The sources of `functions` and of what they use, each once, every function after those it uses. */
export function luaPrelude(functions: readonly LuaFunction[]): string {
  const ordered: LuaFunction[] = [];
  const visit = (fn: LuaFunction): void => {
    if (ordered.includes(fn)) return;
    fn.uses.forEach(visit);
    ordered.push(fn);
  };
  functions.forEach(visit);
  return ordered.map((fn) => `${fn.source}\n`).join("");
}
