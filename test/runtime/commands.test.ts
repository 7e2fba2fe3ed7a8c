import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Node, Project, SyntaxKind, type CallExpression } from "ts-morph";
import { describe, expect, it } from "vitest";
import { runtimeCommands, type RuntimeFeature } from "../../src/runtime/commands.js";
import type { Script } from "../../src/runtime/scripts/define-script.js";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const runtimeFolder = join(packageRoot, "src", "runtime");
const runtimeFiles = readdirSync(runtimeFolder, { recursive: true, encoding: "utf8" })
  .filter((name) => name.endsWith(".ts"))
  .map((name) => join(runtimeFolder, name));

/** Sent by ioredis itself on each connection, so no runtime source names them. */
const sentByIoredis = new Set(["INFO", "CLUSTER|SLOTS", "CLUSTER|INFO"]);

/**
 * Commands whose subcommands ACL rules name one by one (`+xgroup|create`): the runtime's list names
 * the subcommands it sends, so the rule grants no others (XGROUP DESTROY, CONFIG SET, ...).
 */
const containerCommands = new Set([
  "ACL",
  "CLIENT",
  "CLUSTER",
  "COMMAND",
  "CONFIG",
  "FUNCTION",
  "MEMORY",
  "OBJECT",
  "PUBSUB",
  "SCRIPT",
  "XGROUP",
  "XINFO",
]);

const redisCommandNames = (() => {
  const client = new Redis({ lazyConnect: true });
  const names = new Set(client.getBuiltinCommands().map((name) => name.toUpperCase()));
  client.disconnect();
  return names;
})();

interface Found {
  readonly command: string;
  /** `src/runtime/l1.ts:96`: where the runtime sends it. */
  readonly at: string;
}

/**
 * The commands runtime code sends through a Redis client: calls of ioredis methods, and of methods
 * of the runtime's own structural client interfaces (those declaring `call`, such as
 * `CommandClient`); `call`/`callBuffer` name the command in their first argument.
 */
function clientCalls(): Found[] {
  const project = new Project({
    tsConfigFilePath: join(packageRoot, "tsconfig.json"),
    skipAddingFilesFromTsConfig: true,
  });
  const found: Found[] = [];
  for (const sourceFile of project.addSourceFilesAtPaths(runtimeFiles)) {
    for (const call of sourceFile.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const command = commandOfCall(call);
      if (command !== undefined)
        found.push({ command, at: `${relative(packageRoot, sourceFile.getFilePath())}:${call.getStartLineNumber()}` });
    }
  }
  return found;
}

function commandOfCall(call: CallExpression): string | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const declarations = callee.getNameNode().getSymbol()?.getDeclarations() ?? [];
  if (!declarations.some(isClientMethod)) return undefined;
  const method = callee.getName();
  if (method === "call" || method === "callBuffer") {
    const [first, second] = call
      .getArguments()
      .map((argument) => (Node.isStringLiteral(argument) ? argument.getLiteralValue() : undefined));
    const command = first?.toUpperCase();
    if (command === undefined || (containerCommands.has(command) && second === undefined)) {
      throw new Error(
        `${call.getSourceFile().getBaseName()}:${call.getStartLineNumber()}: ${method}() must name its command (and subcommand) as string literals, so the command list can be checked`,
      );
    }
    return containerCommands.has(command) ? `${command}|${second!.toUpperCase()}` : command;
  }
  const command = method.replace(/Buffer$/, "").toUpperCase();
  return redisCommandNames.has(command) ? command : undefined;
}

function isClientMethod(declaration: Node): boolean {
  const file = declaration.getSourceFile().getFilePath();
  if (file.includes("/node_modules/ioredis")) return true;
  if (!file.startsWith(runtimeFolder)) return false;
  const owner = declaration.getParent();
  if (!owner || !(Node.isInterfaceDeclaration(owner) || Node.isTypeLiteral(owner))) return false;
  return owner.getMembers().some((member) => Node.isMethodSignature(member) && member.getName() === "call");
}

const LUA_CALL = /redis\.p?call\(\s*['"]([A-Za-z]+)['"](?:\s*,\s*['"]([A-Za-z]+)['"])?/g;

function luaCommand(match: RegExpMatchArray): string {
  const command = match[1]!.toUpperCase();
  return containerCommands.has(command) ? `${command}|${(match[2] ?? "?").toUpperCase()}` : command;
}

function luaCommands(source: string): string[] {
  return [...source.matchAll(LUA_CALL)].map(luaCommand);
}

/** A `redis.call` whose command is not a literal: no list could be checked against it. */
const LUA_DYNAMIC_CALL = /redis\.p?call\((?!\s*['"][A-Za-z]+['"])/g;

/** `redis.call('X'` anywhere in runtime source, exported script or not; a dynamic command is `?`. */
function luaCallsInSource(): Found[] {
  const project = new Project({ skipAddingFilesFromTsConfig: true });
  return project.addSourceFilesAtPaths(runtimeFiles).flatMap((sourceFile) => {
    const text = sourceFile.getFullText();
    const at = (index: number) =>
      `${relative(packageRoot, sourceFile.getFilePath())}:${sourceFile.getLineAndColumnAtPos(index).line}`;
    return [
      ...[...text.matchAll(LUA_CALL)].map((match) => ({ command: luaCommand(match), at: at(match.index) })),
      ...[...text.matchAll(LUA_DYNAMIC_CALL)].map((match) => ({
        command: "? (name the command as a literal)",
        at: at(match.index),
      })),
    ];
  });
}

/** Every Lua script the runtime modules export (`{ name, source, sha }`). */
async function exportedScripts(): Promise<Script[]> {
  const scripts = new Map<string, Script>();
  for (const file of runtimeFiles) {
    const exports: Record<string, unknown> = await import(file);
    for (const value of Object.values(exports)) {
      if (isScript(value)) scripts.set(value.name, value);
    }
  }
  return [...scripts.values()];
}

function isScript(value: unknown): value is Script {
  if (typeof value !== "object" || value === null) return false;
  const { name, source, sha } = value as Record<string, unknown>;
  return typeof name === "string" && typeof source === "string" && typeof sha === "string";
}

const features = Object.entries(runtimeCommands) as [RuntimeFeature, (typeof runtimeCommands)[RuntimeFeature]][];
const listed = new Set(
  features.flatMap(([, feature]) => [...feature.direct, ...Object.values(feature.inScripts).flat()]),
);

describe("src/runtime/commands.ts lists exactly the commands the runtime sends", () => {
  const sent = [...clientCalls(), ...luaCallsInSource()];

  it("finds the runtime's Redis calls at all (the scan itself works)", () => {
    const commands = new Set(sent.map((found) => found.command));
    for (const command of ["GET", "MGET", "EVALSHA", "EVAL", "PUBLISH", "SUBSCRIBE", "SET", "DEL"])
      expect(commands).toContain(command);
  });

  it("lists every command runtime code sends (add the missing ones to src/runtime/commands.ts)", () => {
    const missing = sent
      .filter((found) => !listed.has(found.command as never))
      .map((found) => `${found.command} (${found.at})`);
    expect(missing).toEqual([]);
  });

  it("lists no command that nothing sends", () => {
    const commands = new Set(sent.map((found) => found.command));
    const unused = [...listed].filter((command) => !commands.has(command) && !sentByIoredis.has(command));
    expect(unused).toEqual([]);
  });

  it("lists each script's inner commands exactly, under script names that exist", async () => {
    const scripts = await exportedScripts();
    const listedPerScript = new Map<string, Set<string>>();
    for (const [, feature] of features) {
      for (const [name, commands] of Object.entries(feature.inScripts)) {
        const set = listedPerScript.get(name) ?? new Set<string>();
        for (const command of commands) set.add(command);
        listedPerScript.set(name, set);
      }
    }
    const names = scripts.map((s) => s.name);
    expect([...listedPerScript.keys()].filter((name) => !names.includes(name))).toEqual([]);
    for (const s of scripts) {
      expect([...(listedPerScript.get(s.name) ?? [])].sort(), `script ${s.name}`).toEqual(
        [...new Set(luaCommands(s.source))].sort(),
      );
    }
  });

  it("lists the script runners with every feature that runs scripts", () => {
    for (const [name, feature] of features) {
      if (Object.keys(feature.inScripts).length === 0) continue;
      expect(feature.direct, name).toEqual(expect.arrayContaining(["EVALSHA", "EVAL"]));
    }
  });
});
