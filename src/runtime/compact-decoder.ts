import { DecodeGenerator } from "./decode-generator.js";
import type { FieldModel, FieldType } from "./descriptor.js";

/**
 * Emits the decoder of the compact form (compact-form.ts): it reads the payload through a Cursor
 * (the decoder's input) and checks and builds the entity as it reads, as the positional decoder
 * does over the parsed array. A Cursor read throws where the text is not a compact value of these
 * fields; the checks answer INVALID where the positional decoder would.
 */
export class CompactGenerator extends DecodeGenerator {
  protected override readonly epochDates = true;
  /** The variable holding the Cursor. */
  private cursor = "";

  /** The top-level object (nested ones are read by `compactValue`). */
  override object(fields: readonly FieldModel[], input: string, path: string): string {
    this.cursor = input;
    return this.compactObject(fields, path);
  }

  override finish(input: string): void {
    this.lines.push(`${input}.end();`);
  }

  /** An object: its fields in order, after the presence mask when it has optional fields; an absent optional field holds `n`. */
  private compactObject(fields: readonly FieldModel[], path: string): string {
    const c = this.cursor;
    const optional = fields.filter((field) => field.optional).length;
    const mask = optional ? this.variable() : "";
    if (optional) {
      this.lines.push(`const ${mask} = ${c}.number();`);
      this.fail(`!Number.isInteger(${mask}) || ${mask} < 0 || ${mask} >= ${2 ** optional}`);
    }
    return this.maskedObject(fields, path, mask, 0, {
      present: (field, _at, childPath) => this.compactNullable(field, childPath),
      notAbsent: () => `!${c}.nul()`,
    });
  }

  private compactNullable(field: FieldModel, path: string): string {
    if (!field.nullable) return this.compactValue(field.type, path);
    const out = this.variable();
    this.lines.push(`let ${out} = null;`, `if (!${this.cursor}.nul()) {`);
    const result = this.compactValue(field.type, path);
    this.lines.push(`${out} = ${result};`, "}");
    return out;
  }

  /** Reads one value from the cursor and checks it as `value` checks a positional one. */
  private compactValue(type: FieldType, path: string): string {
    const c = this.cursor;
    if (type.kind === "object") {
      this.lines.push(`${c}.open();`);
      return this.compactObject(type.fields, path);
    }
    if (type.kind === "array") {
      const count = this.variable();
      const index = this.variable();
      const out = this.variable();
      this.lines.push(
        `const ${count} = ${c}.count();`,
        `const ${out} = [];`,
        `for (let ${index} = 0; ${index} < ${count}; ${index}++) {`,
      );
      const result = this.compactValue(type.items, `${path}[]`);
      this.lines.push(`${out}.push(${result});`, "}");
      return out;
    }
    const input = this.variable();
    this.lines.push(`const ${input} = ${c}.${leafRead(type)}();`);
    return this.value(type, input, path);
  }
}

/** The Cursor method that reads a value of this leaf type. */
function leafRead(type: FieldType): "string" | "number" | "boolean" | "json" {
  if (type.kind !== "scalar") return "string"; // enum
  switch (type.scalar) {
    case "int":
    case "float":
    case "datetime":
    case "date":
      return "number";
    case "boolean":
      return "boolean";
    case "json":
      return "json";
    default:
      return "string";
  }
}
