import type { FieldDocument } from "./field-schema.js";
import { fieldModel, type FieldModel } from "../runtime/descriptor.js";

/**
 * A field in normalized form: what the shorthand (`string[]`) and object forms of a field
 * definition both mean. The runtime reads generated field descriptors with the same function, so a
 * schema file's fields and the generated descriptor mean one thing.
 */
export type { FieldModel, FieldType } from "../runtime/descriptor.js";

/** A field definition that passed its own schema -> its normalized form. */
export function toFieldModel(name: string, definition: FieldDocument): FieldModel {
  return fieldModel(name, definition);
}
