import {
  type Doc,
  group,
  hardline,
  ifBreak,
  indent,
  line,
  lineSuffix,
  printDoc,
  propagateBreaks,
  softline,
  verbatim,
} from "./layout-doc.js";
import { type Expression, parseUnit, type Property, type Statement } from "./layout-parse.js";
import type { Member } from "./layout-types.js";

/**
 * Lays out a statement group of generated TypeScript as prettier does, without prettier, for the
 * syntax `layout-parse.ts` accepts; undefined for anything else, which then goes to prettier.
 *
 * The documents built here are prettier's for the same syntax (objects, arrays, a call's last
 * object or array argument hugged), with one simplification that is checked instead of modelled:
 * what prettier could break other than an object or an array (after `=` or `:`, after `=>`, in
 * call and type arguments) is printed flat, and a unit with a line wider than the print width is
 * refused. Prettier breaks such a place only when its line does not fit, so when every line fits,
 * it breaks none of them either. `test/generator/format.test.ts` compares this module with
 * prettier on every statement group of the golden fixtures, the committed projects and synthetic
 * ones.
 */
export function layoutUnit(text: string, printWidth: number): string | undefined {
  const statements = parseUnit(text);
  if (statements === undefined) return undefined;
  let doc: Doc;
  try {
    doc = statements.map((statement, index) => statementDoc(statement, index === 0));
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  propagateBreaks(doc);
  const printed = printDoc(doc, printWidth);
  return printed.fits ? `${printed.text}\n` : undefined;
}

function statementDoc(statement: Statement, first: boolean): Doc {
  const parts: Doc[] = [];
  let separated = first;
  const separate = (blank: boolean) => {
    if (!separated) parts.push(blank ? [hardline, hardline] : hardline);
    separated = false;
  };
  for (const comment of statement.leadingComments) {
    separate(comment.blankBefore);
    parts.push(commentDoc(comment.text));
  }
  const { value } = statement;
  if (value.kind === "declaration") {
    if (value.text === "") return parts;
    separate(statement.blankBefore);
    parts.push(value.text);
    if (value.members.length > 0) parts.push(" {", indent(value.members.map(memberDoc)), hardline, "}");
    return parts;
  }
  separate(statement.blankBefore);
  parts.push(statement.head, expressionDoc(value), ";");
  return parts;
}

function memberDoc(member: Member): Doc {
  const comments = member.comments.map((comment) => [hardline, commentDoc(comment)]);
  const trailing = member.trailingComment === undefined ? [] : [lineSuffix(` ${member.trailingComment}`)];
  return [comments, hardline, member.text, ";", trailing];
}

/** A comment whose later lines keep their place: each printed at the current indentation. */
function commentDoc(text: string): Doc {
  return text
    .split("\n")
    .flatMap((part, index) => (index === 0 ? [verbatim(part)] : [hardline, verbatim(` ${part.trim()}`)]));
}

function expressionDoc(expression: Expression): Doc {
  switch (expression.kind) {
    case "text":
      return expression.text;
    case "object":
      return objectDoc(expression.properties, expression.expanded);
    case "array":
      return arrayDoc(expression.elements);
    case "call":
      return callDoc(expression);
    case "arrow": {
      const { body } = expression;
      if (body.kind !== "object" && !isSimple(body)) throw new Unsupported();
      const printed = body.kind === "object" ? ["(", expressionDoc(body), ")"] : expressionDoc(body);
      return [`(${expression.parameter ?? ""}) => `, printed];
    }
    case "as-const":
      return [expressionDoc(expression.expression), " as const"];
  }
}

/** Thrown while building a document for syntax whose layout prettier decides in ways not modelled here. */
class Unsupported extends Error {}

/** `{ a, b }` flat, one property a line when broken; kept broken when written broken. */
function objectDoc(properties: readonly Property[], expanded: boolean): Doc {
  if (properties.length === 0) return "{}";
  const items: Doc[] = [];
  let mustBreak = expanded;
  for (const [index, property] of properties.entries()) {
    if (index > 0) items.push(",", line);
    for (const comment of property.leadingComments) items.push(verbatim(comment), hardline);
    const key = property.spread ? `...${property.key}` : property.key;
    items.push(property.value === undefined ? key : group([key, ": ", expressionDoc(property.value)]));
    if (property.trailingComment !== undefined) {
      items.push(lineSuffix(` ${property.trailingComment}`));
      mustBreak = true;
    }
  }
  return group(["{", indent([line, items]), ifBreak(","), line, "}"], mustBreak);
}

/** `[a, b]` flat, one element a line when broken; always broken for two or more objects or arrays of 2+ items. */
function arrayDoc(elements: readonly Expression[]): Doc {
  if (elements.length === 0) return "[]";
  // Prettier fills lines with numbers ("concise" arrays): not modelled.
  if (elements.length > 1 && elements.every((element) => element.kind === "text" && /^-?[0-9]/.test(element.text))) {
    throw new Unsupported();
  }
  const [first] = elements;
  const mustBreak =
    elements.length > 1 &&
    elements.every(
      (element) =>
        element.kind === first?.kind &&
        ((element.kind === "object" && element.properties.length > 1) ||
          (element.kind === "array" && element.elements.length > 1)),
    );
  const items: Doc[] = [];
  for (const [index, element] of elements.entries()) {
    if (index > 0) items.push(",", line);
    items.push(group(expressionDoc(element)));
  }
  return group(["[", indent([softline, items]), ifBreak(","), softline, "]"], mustBreak);
}

/**
 * A call: a last argument that is a non-empty object or array is hugged (`f(a, {` ... `})`), as
 * prettier does when the other arguments are simple; other arguments are printed flat.
 */
function callDoc(call: Extract<Expression, { kind: "call" }>): Doc {
  const typeArguments = call.typeArguments.length > 0 ? `<${call.typeArguments.join(", ")}>` : "";
  const args = call.arguments;
  const last = args.at(-1);
  const others = args.slice(0, -1);
  const huggable =
    (last?.kind === "object" && last.properties.length > 0) || (last?.kind === "array" && last.elements.length > 0);
  if (!others.every(isSimple) || (!huggable && last !== undefined && !isSimple(last))) throw new Unsupported();
  const printed: Doc[] = [];
  for (const [index, arg] of args.entries()) printed.push(index > 0 ? ", " : "", expressionDoc(arg));
  return [call.callee, typeArguments, "(", printed, ")"];
}

/** An argument prettier prints on one line whenever it fits: no object or array in it. */
function isSimple(expression: Expression): boolean {
  switch (expression.kind) {
    case "text":
      return true;
    case "call":
      return expression.arguments.every(isSimple);
    case "arrow":
      return isSimple(expression.body);
    default:
      return false;
  }
}
