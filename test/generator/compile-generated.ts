import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget, ts } from "ts-morph";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Type-checks generated files as a user's strict ESM project would, with `cachegen/runtime`
 * resolved to this repository's runtime source. The files stay in memory at `folder/<path>`, a
 * folder inside this repository, so `vitest` and `ioredis` resolve from its node_modules.
 * Returns the diagnostics of the generated files, one line each (`file:line: message`); none is a pass.
 */
export function compileGenerated(files: ReadonlyMap<string, string>, folder: string): string[] {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      target: ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      types: ["node"],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      noPropertyAccessFromIndexSignature: true,
      skipLibCheck: true,
      noEmit: true,
      paths: {
        "cachegen/runtime": [join(packageRoot, "src", "runtime", "index.ts")],
        "cachegen/testing": [join(packageRoot, "src", "testing", "index.ts")],
      },
    },
  });
  const generated = [...files]
    .filter(([path]) => path.endsWith(".ts"))
    .map(([path, content]) => project.createSourceFile(join(folder, path), content));
  return generated.flatMap((sourceFile) =>
    sourceFile.getPreEmitDiagnostics().map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.compilerObject.messageText, "\n  ");
      return `${sourceFile.getBaseName()}:${diagnostic.getLineNumber() ?? 0}: ${message}`;
    }),
  );
}
