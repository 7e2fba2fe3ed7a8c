import { z } from "zod";
import { configFileSchema } from "../config-schema.js";
import { schemaFileSchema } from "./document-schema.js";

/**
 * The JSON Schemas shipped in `schema/` for editors, from the same zod schemas that validate.
 * `io: "input"` describes what users write: properties with defaults are not required.
 */
export function renderJsonSchemas(): { "config.schema.json": string; "entity.schema.json": string } {
  return {
    "config.schema.json": render(configFileSchema),
    "entity.schema.json": render(schemaFileSchema),
  };
}

function render(schema: z.ZodType): string {
  return `${JSON.stringify(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }), null, 2)}\n`;
}
