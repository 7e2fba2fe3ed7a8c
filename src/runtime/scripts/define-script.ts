import { createHash } from "node:crypto";
import type { CommandClient } from "../command-client.js";
import type { StoredValue } from "../stored-value.js";
import { luaPrelude, type LuaFunction } from "./lua-function.js";

/**
 * How a script receives one field of its input. Keys go to KEYS: `key` (one), `keys` (a list).
 * Everything else goes to ARGV: `text` and `stored` (Lua strings), `texts` (a list of strings),
 * `number` (converted with tonumber), `flag` (a boolean); `{ each: {...} }` is a list of entries,
 * each with fields of its own.
 */
export type FieldKind = "key" | "keys" | "text" | "texts" | "stored" | "number" | "flag";

export interface Fields {
  readonly [name: string]: FieldKind | { readonly each: Fields };
}

type ValueOf<F> = F extends "key" | "text"
  ? string
  : F extends "keys" | "texts"
    ? readonly string[]
    : F extends "stored"
      ? StoredValue
      : F extends "number"
        ? number
        : F extends "flag"
          ? boolean
          : F extends { readonly each: infer E extends Fields }
            ? readonly InputOf<E>[]
            : never;

/** The TypeScript input of a script whose fields are `S`. */
export type InputOf<S extends Fields> = { readonly [P in keyof S]: ValueOf<S[P]> };

export type ScriptArgument = string | Buffer | number;

/** A Lua script as Redis runs it (EVALSHA by `sha`, EVAL with `source`). */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/** A script with a typed input (its KEYS and ARGV) and a typed reply. */
export interface TypedScript<TInput, TReply> extends Script {
  /** KEYS and ARGV for `input`, in the order the script's Lua reads them. */
  encode(input: TInput): { readonly keys: string[]; readonly args: ScriptArgument[] };
  /** The reply as a typed value; undefined when it is not a reply this script gives. */
  decode(reply: unknown): TReply | undefined;
}

export type ScriptInput<S> = S extends TypedScript<infer TInput, unknown> ? TInput : never;
export type ScriptReply<S> = S extends TypedScript<never, infer TReply> ? TReply : never;

export function script(name: string, source: string): Script {
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}

const LUA_KEYWORDS = new Set(
  "and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split(
    " ",
  ),
);

/**
 * Declares a script once: its input fields (names and kinds, in the order KEYS and ARGV carry
 * them), the Lua functions it uses, its Lua body, and how to read its reply. The body refers to
 * its input by name (`value`, `pttl`, `entries[i].token`): the Lua that binds those names to
 * KEYS and ARGV positions and the TypeScript that fills them are both generated from `input`, so
 * the two cannot drift apart. List lengths travel in ARGV, before their items.
 */
export function defineScript<S extends Fields, R>(spec: {
  readonly name: string;
  readonly input: S;
  readonly uses?: readonly LuaFunction[];
  readonly lua: string;
  readonly reply: (raw: unknown) => R | undefined;
}): TypedScript<InputOf<S>, R> {
  const plan = planOf(spec.name, spec.input);
  const source = `${luaPrelude(spec.uses ?? [])}local _k, _a = 0, 0\n${bindings(plan, "local ", "", 1).join("\n")}\n${spec.lua.trim()}\n`;
  return {
    ...script(spec.name, source),
    encode: (input) => {
      const keys: string[] = [];
      const args: ScriptArgument[] = [];
      fill(plan, input as Record<string, unknown>, keys, args);
      return { keys, args };
    },
    decode: spec.reply,
  };
}

interface Step {
  readonly name: string;
  readonly kind: FieldKind | "each";
  readonly each?: readonly Step[];
}

function planOf(script: string, fields: Fields): Step[] {
  return Object.entries(fields).map(([name, kind]) => {
    if (!/^[a-z][A-Za-z0-9]*$/.test(name) || LUA_KEYWORDS.has(name)) {
      throw new TypeError(
        `cachegen: script ${script}: input field "${name}" must be a camelCase Lua name (not a keyword)`,
      );
    }
    return typeof kind === "string" ? { name, kind } : { name, kind: "each", each: planOf(script, kind.each) };
  });
}

/** Lua statements that bind each field of `plan` to its KEYS or ARGV position (the cursors `_k`, `_a`). */
function bindings(plan: readonly Step[], declare: string, owner: string, depth: number): string[] {
  const lines: string[] = [];
  for (const { name, kind, each } of plan) {
    const target = `${owner}${name}`;
    const assign = `${declare}${target} =`;
    switch (kind) {
      case "key":
        lines.push(`_k = _k + 1 ${assign} KEYS[_k]`);
        break;
      case "text":
      case "stored":
        lines.push(`_a = _a + 1 ${assign} ARGV[_a]`);
        break;
      case "number":
        lines.push(`_a = _a + 1 ${assign} tonumber(ARGV[_a])`);
        break;
      case "flag":
        lines.push(`_a = _a + 1 ${assign} ARGV[_a] == '1'`);
        break;
      case "keys":
        lines.push(
          `_a = _a + 1 ${assign} {} for _j = 1, tonumber(ARGV[_a]) do _k = _k + 1 ${target}[_j] = KEYS[_k] end`,
        );
        break;
      case "texts":
        lines.push(
          `_a = _a + 1 ${assign} {} for _j = 1, tonumber(ARGV[_a]) do _a = _a + 1 ${target}[_j] = ARGV[_a] end`,
        );
        break;
      case "each":
        lines.push(`_a = _a + 1 ${assign} {}`, `for _i${depth} = 1, tonumber(ARGV[_a]) do`, `local _e${depth} = {}`);
        lines.push(...bindings(each!, "", `_e${depth}.`, depth + 1), `${target}[_i${depth}] = _e${depth}`, "end");
        break;
    }
  }
  return lines;
}

/** Appends the KEYS and ARGV of `input` in the order `bindings` reads them. */
function fill(plan: readonly Step[], input: Record<string, unknown>, keys: string[], args: ScriptArgument[]): void {
  for (const { name, kind, each } of plan) {
    const value = input[name];
    switch (kind) {
      case "key":
        keys.push(value as string);
        break;
      case "text":
      case "stored":
      case "number":
        args.push(value as ScriptArgument);
        break;
      case "flag":
        args.push(value ? 1 : 0);
        break;
      case "keys":
        args.push((value as readonly string[]).length);
        for (const key of value as readonly string[]) keys.push(key);
        break;
      case "texts":
        args.push((value as readonly string[]).length);
        for (const text of value as readonly string[]) args.push(text);
        break;
      case "each":
        args.push((value as readonly unknown[]).length);
        for (const entry of value as readonly Record<string, unknown>[]) fill(each!, entry, keys, args);
        break;
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/** EVALSHA, falling back to EVAL (which also loads the script) on NOSCRIPT. Replies as Buffers. */
export async function runScript(
  client: CommandClient,
  s: Script,
  keys: readonly string[],
  args: readonly ScriptArgument[],
): Promise<unknown> {
  try {
    return await client.callBuffer("EVALSHA", s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return client.callBuffer("EVAL", s.source, keys.length, ...keys, ...args);
  }
}

/** Runs a typed script on `client` (unguarded: the caller handles errors); rejects on a reply the script does not give. */
export async function runTypedScript<TInput, TReply>(
  client: CommandClient,
  s: TypedScript<TInput, TReply>,
  input: TInput,
): Promise<TReply> {
  const { keys, args } = s.encode(input);
  const reply = s.decode(await runScript(client, s, keys, args));
  if (reply === undefined) throw new Error(`cachegen: script ${s.name} gave an unexpected reply`);
  return reply;
}
