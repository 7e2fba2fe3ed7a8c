import type { Document, LineCounter } from "yaml";
import { yamlLibrary } from "./yaml.js";
import type { SourcePosition } from "../diagnostics.js";

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
