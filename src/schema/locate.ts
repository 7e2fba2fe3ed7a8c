import type { Document, LineCounter } from "yaml";
import type { SourcePosition } from "../diagnostics.js";
import type { JsonNode } from "./json-text.js";
import { yamlLibrary } from "./yaml.js";

/** A property path into a document: `["fields", "age", "type"]`, `["entities", 0, "ttl"]`. */
export type PropertyPath = readonly (string | number)[];

/**
 * How messages name a place in a document: `ttl`, `l1.ttl`, `fields.status.values`, `tags[1]`.
 * An entity inside `entities: [...]` is named from itself; the line number says which one it is.
 */
export function describePath(path: PropertyPath): string {
  const relative = path[0] === "entities" && typeof path[1] === "number" && path.length > 2 ? path.slice(2) : path;
  let text = "";
  for (const segment of relative) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

/**
 * Maps a property path to where it is written. `"value"` gives the start of the value; `"key"` the
 * start of the property's name (for an unknown property). When the path does not exist, the
 * deepest node that does is given: for a missing property, the start of the map that lacks it.
 */
export type Locate = (path: PropertyPath, which: "key" | "value") => SourcePosition;

export function createLocator(document: Document, lineCounter: LineCounter): Locate {
  const { isAlias, isMap, isNode, isScalar, isSeq } = yamlLibrary();
  /** Where `node` starts; `fallback` for a node that is absent or empty (`ttl:` with no value). */
  const positionOf = (node: unknown, fallback: SourcePosition): SourcePosition => {
    const range = isNode(node) ? node.range : undefined;
    if (!range || range[0] === range[1]) return fallback;
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, column: col };
  };
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(document) : node);

  return (path, which) => {
    let node = resolve(document.contents);
    let position = positionOf(document.contents, { line: 1, column: 1 });
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return position;
        const keyPosition = positionOf(pair.key, position);
        if (index === path.length - 1 && which === "key") return keyPosition;
        node = resolve(pair.value);
        position = positionOf(node, keyPosition);
      } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
        node = resolve(node.items[segment]);
        position = positionOf(node, position);
      } else {
        return position;
      }
    }
    return position;
  };
}

/** `createLocator` for a strict JSON document (`json-text.ts`). */
export function createJsonLocator(root: JsonNode, text: string): Locate {
  const positionAt = positionsIn(text);
  return (path, which) => {
    let node = root;
    let position = positionAt(root.start);
    for (const [index, segment] of path.entries()) {
      if (node.kind === "object") {
        const entry = node.entries.find((candidate) => candidate.key === String(segment));
        if (!entry) return position;
        if (index === path.length - 1 && which === "key") return positionAt(entry.keyStart);
        node = entry.value;
      } else if (node.kind === "array" && typeof segment === "number" && segment < node.items.length) {
        node = node.items[segment] as JsonNode;
      } else {
        return position;
      }
      position = positionAt(node.start);
    }
    return position;
  };
}

/** Offset -> 1-based line and column (in UTF-16 code units, as yaml counts them). */
export function positionsIn(text: string): (offset: number) => SourcePosition {
  const lineStarts = [0];
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) lineStarts.push(index + 1);
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] as number) + 1 };
  };
}
