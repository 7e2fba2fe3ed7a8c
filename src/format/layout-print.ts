import {
  breakParent,
  conditionalGroup,
  type Doc,
  flatText,
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
  willBreak,
} from "./layout-doc.js";
import {
  type BlockStatement,
  type Expression,
  type FunctionDeclaration,
  parseUnit,
  type Property,
  type Statement,
} from "./layout-parse.js";
import type { ClassDeclaration } from "./layout-class.js";
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
  if (value.kind === "import") {
    separate(statement.blankBefore);
    const { specifiers, source } = value;
    // One specifier never breaks; several break one a line when the import does not fit.
    const braces =
      specifiers.length === 1
        ? `{ ${specifiers[0]} }`
        : group(["{", indent([line, join([",", line], specifiers)]), ifBreak(","), line, "}"]);
    parts.push(value.typeOnly ? "import type " : "import ", braces, ` from ${source};`);
    return parts;
  }
  if (value.kind === "function") {
    separate(statement.blankBefore);
    parts.push(functionDoc(value));
    return parts;
  }
  if (value.kind === "class") {
    separate(statement.blankBefore);
    parts.push(classDoc(value));
    return parts;
  }
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

/** Prettier breaks a class's `extends` type arguments one a line when its header does not fit. */
function classDoc(declaration: ClassDeclaration): Doc {
  const { typeArguments } = declaration;
  const typeArgumentsDoc =
    typeArguments.length === 0
      ? ""
      : typeArguments.length === 1
        ? `<${typeArguments[0]}>`
        : group(["<", indent([softline, join([",", line], typeArguments)]), softline, ">"]);
  const members = declaration.members.map((member, index) => [
    index > 0 && member.blankBefore ? hardline : "",
    hardline,
    member.comments.map((comment) => [commentDoc(comment), hardline]),
    member.name,
    group([parametersDoc(member.parameters), member.returnType]),
    " ",
    blockDoc(member.body),
  ]);
  return [declaration.header, typeArgumentsDoc, " {", indent(members), hardline, "}"];
}

/** `{`, one statement a line, `}`. */
function blockDoc(body: readonly BlockStatement[]): Doc {
  const statements = body.map((statement) => [hardline, statement.keyword, expressionDoc(statement.value), ";"]);
  return ["{", indent(statements), hardline, "}"];
}

/** A function declaration: its parameters one a line when its head does not fit. */
function functionDoc(declaration: FunctionDeclaration): Doc {
  const { parameters } = declaration;
  return [
    declaration.header,
    group([parametersDoc(parameters), ": ", declaration.returnType]),
    " ",
    blockDoc(declaration.body),
  ];
}

/** `(a: A, b: B)`, or one a line with a trailing comma when it does not fit. */
function parametersDoc(parameters: readonly string[]): Doc {
  // A lone parameter typed by an object literal type is hugged (`f({` ... `})`): not modelled.
  if (parameters.length === 1 && /^[\w$]+\??: \{/.test(parameters[0] as string)) throw new Unsupported();
  return parameters.length === 0
    ? "()"
    : ["(", indent([softline, join([",", line], parameters)]), ifBreak(","), softline, ")"];
}

function join(separator: Doc[], items: readonly Doc[]): Doc[] {
  return items.flatMap((item, index) => (index === 0 ? [item] : [...separator, item]));
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
      const parameters = `(${expression.parameter ?? ""}) =>`;
      // An object body stays on the arrow's line; any other moves to the next line when it does not fit.
      if (body.kind === "object") return group([parameters, " (", expressionDoc(body), ")"]);
      return group([parameters, indent([line, expressionDoc(body)])]);
    }
    case "block-arrow":
      return [expression.prefix, blockDoc(expression.body)];
    case "member-call":
      return group([expressionDoc(expression.object), ".", callDoc(expression.call)]);
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
 * A call's arguments as prettier's `printCallArguments` prints them: a last argument that is a
 * non-empty object or array is hugged (`f(a, {` ... `})`) when the call does not fit on one line
 * and its head does; else every argument goes on a line of its own.
 */
function callDoc(call: Extract<Expression, { kind: "call" }>): Doc {
  const head = [call.callee, call.typeArguments.length > 0 ? `<${call.typeArguments.join(", ")}>` : ""];
  const args = call.arguments;
  if (args.length === 0) return group([head, "()"]);
  // Several functions among the arguments (function composition) are laid out differently.
  if (args.filter((arg) => arg.kind === "arrow").length > 1) throw new Unsupported();
  const printed = args.map(expressionDoc);
  if (args.at(-1)?.kind === "arrow") {
    // A last function argument is laid out by rules not modelled here; prettier prints the call on
    // one line when it fits and nothing in it must break, which is all that is accepted.
    const flat = flatText([head, "(", join([", "], printed), ")"]);
    if (flat === undefined || willBreak(printed)) throw new Unsupported();
    return flat;
  }
  const allBrokenOut = group(["(", indent([line, join([",", line], printed)]), ifBreak(","), line, ")"], true);
  const last = args.at(-1) as Expression;
  const penultimate = args.at(-2);
  const huggable =
    ((last.kind === "object" && last.properties.length > 0) || (last.kind === "array" && last.elements.length > 0)) &&
    penultimate?.kind !== last.kind &&
    !(args.length === 2 && penultimate?.kind === "arrow" && last.kind === "array");
  if (!huggable) {
    const contents = ["(", indent([softline, join([",", line], printed)]), ifBreak(","), softline, ")"];
    return group([head, group(contents, printed.some(willBreak))]);
  }
  if (printed.slice(0, -1).some(willBreak)) return group([head, allBrokenOut]);
  const others = printed.slice(0, -1).flatMap((doc) => [doc, ", "]);
  return group([
    head,
    printed.some(willBreak) ? breakParent : "",
    conditionalGroup([
      ["(", join([", "], printed), ")"],
      ["(", others, group(printed.at(-1) as Doc, true), ")"],
      allBrokenOut,
    ]),
  ]);
}
