export {
  generate,
  generateFromConfig,
  type DiskProject,
  type GenerateResult,
  type InMemoryProject,
} from "./generate.js";
export { ConfigError, resolveConfig, type ResolvedConfig } from "./config.js";
export { formatDiagnostic, type Diagnostic } from "./diagnostics.js";
export type { SchemaSource } from "./manifest.js";
export type * from "./model/model.js";
