import { ConfigError, describeOrigin, type ResolvedConfig } from "./config.js";
import { sha256 } from "./hash.js";
import type { SchemaSource } from "./manifest.js";
import { readSchemaFiles, type SchemaFile } from "./schema/load.js";

/**
 * The schema files of a project, sorted by path. A missing folder, or one without schema files,
 * is a `ConfigError`: an empty project is a mistake in the configuration, never a reason for
 * `generate` to remove what it generated before.
 */
export async function readSchemaFolder(config: ResolvedConfig): Promise<SchemaFile[]> {
  let files: SchemaFile[];
  try {
    files = await readSchemaFiles(config.root, config.schemasDir, { skip: [config.outDir] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    throw new ConfigError(
      `schemas folder "${config.schemasDir}" (${describeOrigin(config.origins.schemas)}) does not exist; create it (\`cachegen init\` writes an example) or point "schemas" or --schemas at your schema files`,
    );
  }
  if (files.length === 0) {
    throw new ConfigError(
      `schemas folder "${config.schemasDir}" (${describeOrigin(config.origins.schemas)}) holds no schema files (*.yaml, *.yml, *.json, in subfolders too); nothing was generated or removed. Add a schema (\`cachegen init\` writes an example) or point "schemas" or --schemas at your schema files`,
    );
  }
  return files;
}

/** Each schema file's path and the SHA-256 of its text, in the order given. */
export function sourcesOf(files: readonly SchemaFile[]): SchemaSource[] {
  return files.map((file) => ({ file: file.path, sha256: sha256(file.text) }));
}
