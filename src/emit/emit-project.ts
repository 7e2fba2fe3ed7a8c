import type { ProjectModel } from "../model/model.js";
import { entityTestView } from "./entity-test-view.js";
import { entityView } from "./entity-view.js";
import { indexView } from "./index-view.js";
import { entityFilePath, entityTestFilePath } from "./names.js";
import { readmeView } from "./readme-view.js";
import { renderTemplate } from "./templates.js";

export type FileLanguage = "typescript" | "markdown";

/** A generated file before formatting; `path` is relative to the output folder. */
export interface EmittedFile {
  readonly path: string;
  readonly language: FileLanguage;
  readonly text: string;
  /**
   * The text is already what prettier makes of it, by construction, so the format stage keeps it
   * as it is (`test/generator/format.test.ts` checks every such golden file against prettier).
   */
  readonly preformatted?: boolean;
}

/** Every generated file except the manifest, which lists the others once they are formatted. */
export function emitProject(project: ProjectModel): EmittedFile[] {
  const files: EmittedFile[] = [];
  for (const entity of project.entities) {
    files.push({
      path: entityFilePath(entity),
      language: "typescript",
      text: renderTemplate("entity.ts", entityView(entity, project)),
    });
    if (project.tests) {
      files.push({
        path: entityTestFilePath(entity),
        language: "typescript",
        text: renderTemplate("entity.test.ts", entityTestView(entity, project.entities)),
      });
    }
  }
  files.push({ path: "index.ts", language: "typescript", text: renderTemplate("index.ts", indexView(project)) });
  const readme = readmeView(project);
  files.push({
    path: "README.md",
    language: "markdown",
    text: renderTemplate("README.md", readme),
    ...(readme.preformatted ? { preformatted: true } : {}),
  });
  return files;
}
