import { DecodeGenerator } from "./decode-generator.js";
import type { FieldModel } from "./descriptor.js";

/**
 * Emits the decoder of the positional form (positional-form.ts): an object is an array of exactly
 * its fields, after a presence mask when it has optional fields; an absent optional field holds null.
 */
export class PositionalGenerator extends DecodeGenerator {
  protected override readonly epochDates = true;

  override object(fields: readonly FieldModel[], input: string, path: string): string {
    const optional = fields.filter((field) => field.optional).length;
    this.fail(`!Array.isArray(${input}) || ${input}.length !== ${fields.length + (optional ? 1 : 0)}`);
    const mask = optional ? this.variable() : "";
    if (optional) {
      this.lines.push(`const ${mask} = ${input}[0];`);
      this.fail(
        `typeof ${mask} !== "number" || !Number.isInteger(${mask}) || ${mask} < 0 || ${mask} >= ${2 ** optional}`,
      );
    }
    return this.maskedObject(fields, path, mask, optional ? 1 : 0, {
      present: (field, at, childPath) => {
        const name = this.variable();
        this.lines.push(`const ${name} = ${input}[${at}];`);
        return this.nullable(field, name, childPath);
      },
      notAbsent: (at) => `${input}[${at}] !== null`,
    });
  }
}
