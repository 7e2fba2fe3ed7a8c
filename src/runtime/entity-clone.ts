import type { FieldModel, FieldType } from "./descriptor.js";

/** How many clones were compiled in this process: numbers each one's source. */
let compiledClones = 0;

/** A deep copy of a value the schema accepted (what `structuredClone` makes of it). */
export type Clone<T> = (value: T) => T;

/**
 * The copy an L1 hit hands out, compiled from the field descriptor to straight-line code (as the
 * decode plan is): a new object per declared object, a new array per array, a new Date per Date,
 * a new Uint8Array per `bytes` value;
 * strings, numbers, booleans, bigints and enum values are immutable and shared. `json` values
 * (any shape) go through `structuredClone`. It copies only values that passed the schema (L1 holds
 * nothing else), so the declared fields are all an object has. `structuredClone` of the whole
 * entity cost about 5 us per L1 hit on the 12-field bench entity (most of the hit).
 *
 * Falls back to `structuredClone` when code generation is not allowed.
 */
export function compileClone<T>(fields: readonly FieldModel[]): Clone<T> {
  if (fields.some((field) => field.name === "__proto__")) return structuredClone;
  // Each clone's source is its own (its functions are named by its number): V8 caches `new Function`
  // by source text, and clones compiled from one text would share allocation sites, so the
  // long-lived copies one L1 keeps would make V8 allocate every other clone's short-lived copies in
  // the old generation (2.5x the CPU of an L1 hit, measured).
  const gen = new CloneGenerator(++compiledClones);
  const root = gen.object(fields);
  try {
    return new Function("deep", `${gen.lines.join("\n")}\nreturn ${root};`)(structuredClone) as Clone<T>;
  } catch {
    return structuredClone; // e.g. --disallow-code-generation-from-strings
  }
}

/** Emits one function per declared object (`copy<clone>_<n>(v)`), each a straight line. */
class CloneGenerator {
  readonly lines: string[] = [];
  private count = 0;

  /** `clone`: this clone's number, in every function name. */
  constructor(private readonly clone: number) {}

  /** The name of the function copying an object with these fields. */
  object(fields: readonly FieldModel[]): string {
    const name = `copy${this.clone}_${this.count++}`;
    const entries: string[] = [];
    const assigns: string[] = [];
    for (const field of fields) {
      const key = JSON.stringify(field.name);
      const at = `v[${key}]`;
      let copy = this.value(field.type, at);
      if (copy !== at && (field.nullable || field.optional)) copy = `(${at} == null ? ${at} : ${copy})`;
      entries.push(`${key}: ${copy}`);
      // An optional field absent stays absent (structuredClone keeps a present `undefined` present).
      assigns.push(field.optional ? `if (${key} in v) o[${key}] = ${copy};` : `o[${key}] = ${copy};`);
    }
    // Fields in declared order, as the value has them (decoded or parsed by the schema).
    this.lines.push(
      fields.some((field) => field.optional)
        ? `function ${name}(v) {\nconst o = {};\n${assigns.join("\n")}\nreturn o;\n}`
        : `function ${name}(v) {\nreturn { ${entries.join(", ")} };\n}`,
    );
    return name;
  }

  /** The expression copying the value at `input`; `input` itself when it is immutable. */
  private value(type: FieldType, input: string): string {
    switch (type.kind) {
      case "enum":
        return input;
      case "scalar":
        if (type.scalar === "datetime" || type.scalar === "date") return `new Date(${input}.getTime())`;
        if (type.scalar === "bytes") return `new Uint8Array(${input})`; // mutable: each hit gets its own
        return type.scalar === "json" ? `deep(${input})` : input;
      case "object":
        return `${this.object(type.fields)}(${input})`;
      case "array": {
        const item = this.value(type.items, "x");
        return item === "x" ? `${input}.slice()` : `${input}.map((x) => ${item})`;
      }
    }
  }
}
